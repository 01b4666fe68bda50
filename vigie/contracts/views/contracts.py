"""Contracts of each client (``/desk/contracts/``) and what falls due (``/desk/contracts/upcoming/``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.contracts import services
from vigie.contracts.forms import ContractForm
from vigie.contracts.models import Contract, ContractKind, ContractStatus, Licence, Supplier
from vigie.contracts.permissions import can_manage
from vigie.contracts.views.common import (
    choose_client,
    client_from_query,
    int_param,
    readable_clients,
    require_manager,
    visible,
)
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.sla.views.common import ServiceError, apply_service_error
from vigie.tenancy.models import Organization

UPCOMING_DAYS = 90


@staff_required
def contract_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    today = timezone.localdate()
    clients = list(readable_clients(request))
    filters = {name: request.GET.get(name, "") for name in ("client", "supplier", "kind", "status", "within")}
    rows = (
        Contract.objects.visible_to(user)
        .select_related("organization", "supplier")
        .order_by("organization__name", "end_date", "title")
    )
    suppliers = Supplier.objects.visible_to(user).order_by("name")
    if filters["client"].isdigit():
        rows = rows.filter(organization_id=int(filters["client"]))
        suppliers = suppliers.filter(organization_id=int(filters["client"]))
    if filters["supplier"].isdigit():
        rows = rows.filter(supplier_id=int(filters["supplier"]))
    if filters["kind"] in ContractKind.values:
        rows = rows.filter(kind=filters["kind"])
    if filters["status"] in ContractStatus.values:
        rows = rows.with_status(filters["status"], today)
    within = int_param(request, "within", None)
    if within is not None:
        rows = rows.deadline_within(today, within)
    context = {
        "contracts": rows,
        "clients": clients,
        "suppliers": suppliers,
        "filters": filters,
        "kinds": ContractKind.choices,
        "statuses": ContractStatus.choices,
        "today": today,
        "can_create": any(can_manage(user, org.pk) for org in clients),
    }
    return render(request, "contracts/contract_list.html", context)


def _save(request: HttpRequest, organization: Organization, contract: Contract | None) -> HttpResponse:
    form = ContractForm(request.POST, organization=organization, contract=contract)
    if form.is_valid():
        user = current_user(request)
        values = dict(form.cleaned_data)
        values["services"] = list(values["services"])
        values["configuration_items"] = list(values["configuration_items"])
        try:
            if contract is None:
                saved = services.create_contract(by=user, organization=organization, **values)
                messages.success(request, _("Contract “%(name)s” created.") % {"name": saved.title})
            else:
                saved = services.update_contract(contract, by=user, **values)
                messages.success(request, _("Contract “%(name)s” saved.") % {"name": saved.title})
        except ServiceError as error:
            apply_service_error(error, form, {})
        else:
            return redirect("contracts:contract_detail", contract_id=saved.pk)
    context = {"form": form, "organization": organization, "contract": contract}
    return render(request, "contracts/contract_form.html", context, status=INVALID)


@staff_required
def contract_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    organization = client_from_query(request)
    if organization is None:
        return choose_client(request, "contracts:contract_create")
    require_manager(request, organization.pk)
    if request.method == "POST":
        return _save(request, organization, None)
    form = ContractForm(organization=organization, initial={"start_date": timezone.localdate()})
    return render(request, "contracts/contract_form.html", {"form": form, "organization": organization, "contract": None})


@staff_required
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = visible(request, Contract.objects.select_related("supplier", "support_calendar"), contract_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    context = {
        "contract": contract,
        "services": contract.services.order_by("name"),
        "items": contract.configuration_items.order_by("name"),
        "licences": contract.licences.order_by("software"),
        "reminders": contract.reminders.order_by("-sent_at")[:10],
        "can_edit": can_manage(current_user(request), contract.organization_id),
    }
    return render(request, "contracts/contract_detail.html", context)


@staff_required
def contract_edit(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = visible(request, Contract.objects.all(), contract_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    require_manager(request, contract.organization_id)
    if request.method == "POST":
        return _save(request, contract.organization, contract)
    form = ContractForm(organization=contract.organization, contract=contract)
    return render(
        request, "contracts/contract_form.html", {"form": form, "organization": contract.organization, "contract": contract}
    )


@staff_required
def contract_delete(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = visible(request, Contract.objects.all(), contract_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    require_manager(request, contract.organization_id)
    if request.method == "POST":
        services.delete_contract(contract, by=current_user(request))
        messages.success(request, _("Contract “%(name)s” deleted.") % {"name": contract.title})
        return redirect("contracts:contract_list")
    cancel = reverse("contracts:contract_detail", args=[contract.pk])
    message = _("Its licences are kept, without a contract.")
    return render(
        request, "contracts/confirm_delete.html", {"object": contract, "errors": [], "cancel_url": cancel, "message": message}
    )


@staff_required
def upcoming(request: HttpRequest) -> HttpResponse:
    """Contracts whose notice deadline or end falls in the next N days; licences expiring in that
    time or using more seats than purchased."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    today = timezone.localdate()
    days = int_param(request, "days", UPCOMING_DAYS) or UPCOMING_DAYS
    contracts = sorted(
        Contract.objects.visible_to(user).deadline_within(today, days).select_related("organization", "supplier"),
        key=lambda contract: (contract.next_deadline(today) or today, contract.title),
    )
    licences = Licence.objects.visible_to(user).select_related("organization").with_usage()
    context = {
        "days": days,
        "today": today,
        "contracts": contracts,
        "expiring_licences": licences.expiring_within(today, days).order_by("expiry_date"),
        "over_allocated": Licence.objects.visible_to(user).over_allocated().select_related("organization"),
    }
    return render(request, "contracts/upcoming.html", context)
