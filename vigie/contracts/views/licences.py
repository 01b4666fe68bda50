"""Software licences of each client (``/desk/contracts/licences/``), with the audited key reveal."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.contracts import services
from vigie.contracts.forms import LicenceForm
from vigie.contracts.models import Licence, LicenceKind
from vigie.contracts.permissions import can_manage
from vigie.contracts.views.common import choose_client, client_from_query, int_param, readable_clients, require_manager, visible
from vigie.servicedesk.views.common import INVALID, allow, current_user, is_htmx_fragment, staff_required
from vigie.sla.views.common import ServiceError, apply_service_error
from vigie.tenancy.models import Organization


@staff_required
def licence_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    today = timezone.localdate()
    clients = list(readable_clients(request))
    filters = {name: request.GET.get(name, "") for name in ("client", "kind", "within", "over")}
    rows = (
        Licence.objects.visible_to(user)
        .with_usage()
        .select_related("organization", "supplier")
        .order_by("organization__name", "software")
    )
    if filters["client"].isdigit():
        rows = rows.filter(organization_id=int(filters["client"]))
    if filters["kind"] in LicenceKind.values:
        rows = rows.filter(kind=filters["kind"])
    within = int_param(request, "within", None)
    if within is not None:
        rows = rows.expiring_within(today, within)
    if filters["over"]:
        rows = rows.over_allocated()
    context = {
        "licences": rows,
        "clients": clients,
        "filters": filters,
        "kinds": LicenceKind.choices,
        "can_create": any(can_manage(user, org.pk) for org in clients),
    }
    return render(request, "contracts/licence_list.html", context)


def _save(request: HttpRequest, organization: Organization, licence: Licence | None) -> HttpResponse:
    form = LicenceForm(request.POST, organization=organization, licence=licence)
    if form.is_valid():
        user = current_user(request)
        values = form.service_values(creating=licence is None)
        try:
            if licence is None:
                saved = services.create_licence(by=user, organization=organization, **values)
                messages.success(request, _("Licence “%(name)s” created.") % {"name": saved.software})
            else:
                saved = services.update_licence(licence, by=user, **values)
                messages.success(request, _("Licence “%(name)s” saved.") % {"name": saved.software})
        except ServiceError as error:
            apply_service_error(error, form, {})
        else:
            if saved.is_over_allocated:
                messages.warning(
                    request,
                    _("%(used)s seats are assigned but only %(purchased)s were purchased.")
                    % {"used": saved.seats_used, "purchased": saved.seats_purchased},
                )
            return redirect("contracts:licence_detail", licence_id=saved.pk)
    context = {"form": form, "organization": organization, "licence": licence}
    return render(request, "contracts/licence_form.html", context, status=INVALID)


@staff_required
def licence_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    organization = client_from_query(request)
    if organization is None:
        return choose_client(request, "contracts:licence_create")
    require_manager(request, organization.pk)
    if request.method == "POST":
        return _save(request, organization, None)
    form = LicenceForm(organization=organization)
    return render(request, "contracts/licence_form.html", {"form": form, "organization": organization, "licence": None})


@staff_required
def licence_detail(request: HttpRequest, licence_id: int) -> HttpResponse:
    licence = visible(request, Licence.objects.select_related("supplier", "contract").defer("key"), licence_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    context = {
        "licence": licence,
        "has_key": Licence.objects.filter(pk=licence.pk).exclude(key="").exists(),
        "assignments": licence.assignments.select_related("user").order_by("user__first_name", "user__last_name"),
        "items": licence.configuration_items.order_by("name"),
        "reveals": licence.reveals.select_related("by")[:10],
        "can_edit": can_manage(current_user(request), licence.organization_id),
    }
    return render(request, "contracts/licence_detail.html", context)


@staff_required
def licence_reveal(request: HttpRequest, licence_id: int) -> HttpResponse:
    """POST only: the key in clear, recorded as revealed by this user (an htmx fragment)."""
    licence = visible(request, Licence.objects.defer("key"), licence_id)
    if refused := allow(request, "POST"):
        return refused
    key = services.reveal_key(licence, by=current_user(request), channel="web")
    template = "contracts/partials/_licence_key.html" if is_htmx_fragment(request) else "contracts/licence_key.html"
    return render(request, template, {"licence": licence, "key": key})


@staff_required
def licence_edit(request: HttpRequest, licence_id: int) -> HttpResponse:
    licence = visible(request, Licence.objects.defer("key"), licence_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    require_manager(request, licence.organization_id)
    if request.method == "POST":
        return _save(request, licence.organization, licence)
    form = LicenceForm(organization=licence.organization, licence=licence)
    return render(
        request, "contracts/licence_form.html", {"form": form, "organization": licence.organization, "licence": licence}
    )


@staff_required
def licence_delete(request: HttpRequest, licence_id: int) -> HttpResponse:
    licence = visible(request, Licence.objects.defer("key"), licence_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    require_manager(request, licence.organization_id)
    if request.method == "POST":
        services.delete_licence(licence, by=current_user(request))
        messages.success(request, _("Licence “%(name)s” deleted.") % {"name": licence.software})
        return redirect("contracts:licence_list")
    cancel = reverse("contracts:licence_detail", args=[licence.pk])
    message = _("Its seat assignments and its key are deleted with it.")
    return render(
        request, "contracts/confirm_delete.html", {"object": licence, "errors": [], "cancel_url": cancel, "message": message}
    )
