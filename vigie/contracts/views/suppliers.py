"""Suppliers of each client (``/desk/contracts/suppliers/``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vigie.contracts import services
from vigie.contracts.forms import SupplierForm
from vigie.contracts.models import Supplier, SupplierKind
from vigie.contracts.permissions import can_manage
from vigie.contracts.views.common import choose_client, client_from_query, readable_clients, require_manager, visible
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.sla.views.common import ServiceError, apply_service_error
from vigie.tenancy.models import Organization


@staff_required
def supplier_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    clients = list(readable_clients(request))
    chosen, kind = request.GET.get("client", ""), request.GET.get("kind", "")
    rows = Supplier.objects.visible_to(user).select_related("organization").order_by("organization__name", "name")
    if chosen.isdigit():
        rows = rows.filter(organization_id=int(chosen))
    if kind in SupplierKind.values:
        rows = rows.filter(kind=kind)
    context = {
        "suppliers": rows,
        "clients": clients,
        "chosen": chosen,
        "kind": kind,
        "kinds": SupplierKind.choices,
        "can_create": any(can_manage(user, org.pk) for org in clients),
    }
    return render(request, "contracts/supplier_list.html", context)


def _save(request: HttpRequest, organization: Organization, supplier: Supplier | None) -> HttpResponse:
    form = SupplierForm(request.POST, supplier=supplier)
    if form.is_valid():
        user = current_user(request)
        try:
            if supplier is None:
                saved = services.create_supplier(by=user, organization=organization, **form.cleaned_data)
                messages.success(request, _("Supplier “%(name)s” created.") % {"name": saved.name})
            else:
                saved = services.update_supplier(supplier, by=user, **form.cleaned_data)
                messages.success(request, _("Supplier “%(name)s” saved.") % {"name": saved.name})
        except ServiceError as error:
            apply_service_error(error, form, {})
        else:
            return redirect("contracts:supplier_detail", supplier_id=saved.pk)
    context = {"form": form, "organization": organization, "supplier": supplier}
    return render(request, "contracts/supplier_form.html", context, status=INVALID)


@staff_required
def supplier_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    organization = client_from_query(request)
    if organization is None:
        return choose_client(request, "contracts:supplier_create")
    require_manager(request, organization.pk)
    if request.method == "POST":
        return _save(request, organization, None)
    context = {"form": SupplierForm(), "organization": organization, "supplier": None}
    return render(request, "contracts/supplier_form.html", context)


@staff_required
def supplier_detail(request: HttpRequest, supplier_id: int) -> HttpResponse:
    supplier = visible(request, Supplier.objects.all(), supplier_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    context = {
        "supplier": supplier,
        "contracts": supplier.contracts.order_by("end_date", "title"),
        "licences": supplier.licences.order_by("software"),
        "can_edit": can_manage(current_user(request), supplier.organization_id),
    }
    return render(request, "contracts/supplier_detail.html", context)


@staff_required
def supplier_edit(request: HttpRequest, supplier_id: int) -> HttpResponse:
    supplier = visible(request, Supplier.objects.all(), supplier_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    require_manager(request, supplier.organization_id)
    if request.method == "POST":
        return _save(request, supplier.organization, supplier)
    context = {"form": SupplierForm(supplier=supplier), "organization": supplier.organization, "supplier": supplier}
    return render(request, "contracts/supplier_form.html", context)


@staff_required
def supplier_delete(request: HttpRequest, supplier_id: int) -> HttpResponse:
    supplier = visible(request, Supplier.objects.all(), supplier_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    require_manager(request, supplier.organization_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.delete_supplier(supplier, by=current_user(request))
        except ServiceError as error:
            errors = list(getattr(error, "messages", [str(error)]))
        else:
            messages.success(request, _("Supplier “%(name)s” deleted.") % {"name": supplier.name})
            return redirect("contracts:supplier_list")
    context = {"object": supplier, "errors": errors, "cancel_url": supplier_url(supplier)}
    return render(request, "contracts/confirm_delete.html", context, status=INVALID if errors else 200)


def supplier_url(supplier: Supplier) -> str:
    from django.urls import reverse

    return reverse("contracts:supplier_detail", args=[supplier.pk])
