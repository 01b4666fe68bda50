"""Business services of each client in the staff interface (``/desk/services/``): administrators
and service owners change them, technicians read them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from vigie.catalog import services
from vigie.catalog.display import service_availability, supporting_items
from vigie.catalog.forms import BusinessServiceForm
from vigie.catalog.models import BusinessService, RequestTemplate
from vigie.servicedesk.models import Ticket
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.sla.permissions import can_manage_services, readable_organization_ids
from vigie.sla.views.common import ServiceError, apply_service_error, organization_from_query, readable_organizations
from vigie.tenancy.models import Organization, OrganizationKind


def refused_message() -> str:
    return _("Only administrators and service owners can change business services.")


def visible_service(request: HttpRequest, service_id: int) -> BusinessService:
    """The service if this user may read it; 404 otherwise, whoever owns it."""
    user = current_user(request)
    services_ = BusinessService.objects.visible_to(user).filter(organization_id__in=readable_organization_ids(user))
    return get_object_or_404(services_.select_related("organization", "owner", "calendar", "sla_policy"), pk=service_id)


@staff_required
def service_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    clients = [org for org in readable_organizations(request) if org.kind == OrganizationKind.CLIENT]
    chosen = request.GET.get("client", "")
    shown = [org for org in clients if str(org.pk) == chosen] if chosen else clients
    rows = (
        BusinessService.objects.visible_to(user)
        .filter(organization__in=shown)
        .select_related("organization", "owner", "calendar")
        .order_by("organization__name", "name")
    )
    context = {
        "services": rows,
        "clients": clients,
        "chosen": chosen,
        "manageable": [org for org in shown if can_manage_services(user, org.pk)],
    }
    return render(request, "catalog/service_list.html", context)


def _save(request: HttpRequest, organization: Organization, service: BusinessService | None) -> HttpResponse:
    form = BusinessServiceForm(request.POST, organization=organization, service=service)
    if form.is_valid():
        user = current_user(request)
        try:
            if service is None:
                saved = services.create_service(by=user, organization=organization, **form.cleaned_data)
                messages.success(request, _("Service “%(name)s” created.") % {"name": saved.name})
            else:
                saved = services.update_service(service, by=user, **form.cleaned_data)
                messages.success(request, _("Service “%(name)s” saved.") % {"name": saved.name})
        except ServiceError as error:
            apply_service_error(error, form, {})
        else:
            return redirect("catalog:service_detail", service_id=saved.pk)
    context = {"form": form, "organization": organization, "service": service, "can_edit": True}
    return render(request, "catalog/service_form.html", context, status=INVALID)


@staff_required
def service_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    organization = organization_from_query(request)
    if organization is None or organization.kind != OrganizationKind.CLIENT:
        choices = [
            org
            for org in readable_organizations(request)
            if org.kind == OrganizationKind.CLIENT and can_manage_services(user, org.pk)
        ]
        return render(request, "sla/choose_organization.html", {"organizations": choices, "target": "catalog:service_create"})
    if not can_manage_services(user, organization.pk):
        raise PermissionDenied(refused_message())
    if request.method == "POST":
        return _save(request, organization, None)
    form = BusinessServiceForm(organization=organization)
    return render(
        request, "catalog/service_form.html", {"form": form, "organization": organization, "service": None, "can_edit": True}
    )


@staff_required
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = visible_service(request, service_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    can_edit = can_manage_services(current_user(request), service.organization_id)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(refused_message())
        return _save(request, service.organization, service)
    form = BusinessServiceForm(organization=service.organization, service=service)
    context = {"form": form, "organization": service.organization, "service": service, "can_edit": can_edit}
    return render(request, "catalog/service_form.html", context)


AVAILABILITY_DAYS = 30


@staff_required
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    """The read page: what the service is, its objectives, open tickets, request templates and
    availability over the last 30 days (the KPI code's own figure)."""
    service = visible_service(request, service_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    context = {
        "service": service,
        "organization": service.organization,
        "can_edit": can_manage_services(user, service.organization_id),
        "open_tickets": Ticket.objects.visible_to(user).filter(service=service).open().for_table().order_by("-created_at")[:50],
        "templates": RequestTemplate.objects.visible_to(user).filter(service=service).order_by("name"),
        "availability": service_availability(user, service, days=AVAILABILITY_DAYS),
        "availability_days": AVAILABILITY_DAYS,
        "components": supporting_items(service),
    }
    return render(request, "catalog/service_detail.html", context)
