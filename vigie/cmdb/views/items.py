"""The CI list, detail, editor, deletion and graph."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vigie.catalog.models import Criticality
from vigie.cmdb import impact, services
from vigie.cmdb.classes import attributes_of
from vigie.cmdb.forms import ComponentForm, ItemForm, RelationForm
from vigie.cmdb.graph import neighbourhood, relations_of, render_svg
from vigie.cmdb.models import CIClass, CIStatus, ConfigurationItem, ServiceComponent
from vigie.cmdb.permissions import can_manage, manageable_organization_ids
from vigie.cmdb.views.common import client_from_query, refused_message, visible_clients, visible_item
from vigie.core.pagination import CappedPaginator, search_paging
from vigie.servicedesk.models import Ticket
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.sla.views.common import ServiceError, apply_service_error
from vigie.tenancy.models import Organization, Site

PAGE_SIZE = 50


def _filtered(request: HttpRequest, clients: list[Organization]) -> tuple[Any, dict[str, str]]:
    user = current_user(request)
    chosen = {key: request.GET.get(key, "").strip() for key in ("client", "ci_class", "status", "criticality", "site", "q")}
    items = ConfigurationItem.objects.visible_to(user).for_list()
    if chosen["client"]:
        items = items.filter(organization_id__in=[c.pk for c in clients if str(c.pk) == chosen["client"]])
    if chosen["ci_class"] in CIClass.values:
        items = items.filter(ci_class=chosen["ci_class"])
    if chosen["status"] in CIStatus.values:
        items = items.filter(status=chosen["status"])
    if chosen["criticality"].isdigit():
        items = items.filter(criticality=int(chosen["criticality"]))
    if chosen["site"].isdigit():
        items = items.filter(site_id=int(chosen["site"]))
    if chosen["q"]:
        items = items.filter(search_text__contains=chosen["q"].lower()[:100])
    return items.order_by("name", "id"), chosen


@staff_required
def item_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    clients = visible_clients(request)
    items, chosen = _filtered(request, clients)
    page = CappedPaginator(items, PAGE_SIZE, **search_paging(bool(chosen["q"]))).get_page(request.GET.get("page"))
    sites = Site.objects.filter(organization_id=int(chosen["client"])).order_by("name") if chosen["client"].isdigit() else []
    context = {
        "page": page,
        "items": page.object_list,
        "clients": clients,
        "chosen": chosen,
        "classes": CIClass.choices,
        "statuses": CIStatus.choices,
        "criticalities": Criticality.choices,
        "sites": [s for s in sites if s.organization_id in {c.pk for c in clients}],
        "can_create": bool(manageable_organization_ids(current_user(request))),
    }
    return render(request, "cmdb/item_list.html", context)


@staff_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = visible_item(request, item_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    outgoing, incoming = relations_of(item)
    attributes = [(attribute.label, item.attributes.get(attribute.name)) for attribute in attributes_of(item.ci_class)]
    components = ServiceComponent.objects.filter(configuration_item=item).select_related("service", "redundancy_group")
    tickets = Ticket.objects.visible_to(user).filter(configuration_item_links__configuration_item=item).for_table()[:20]
    editable = can_manage(user, item.organization_id)
    context = {
        "item": item,
        "attributes": [(label, ", ".join(value) if isinstance(value, list) else value) for label, value in attributes],
        "outgoing": outgoing,
        "incoming": incoming,
        "components": components,
        "tickets": tickets,
        "users": item.users.order_by("first_name", "last_name"),
        "impact": impact.analyse(item),
        "graph": render_svg(neighbourhood(item)),
        "can_edit": editable,
        "relation_form": RelationForm(item=item) if editable else None,
        "component_form": ComponentForm(item=item) if editable else None,
    }
    from vigie.monitoring.views.items import supervision_for

    context.update(supervision_for(item, user))
    return render(request, "cmdb/item_detail.html", context)


@staff_required
def item_graph(request: HttpRequest, item_id: int) -> HttpResponse:
    item = visible_item(request, item_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return HttpResponse(render_svg(neighbourhood(item)), content_type="image/svg+xml; charset=utf-8")


def _render_form(
    request: HttpRequest, form: ItemForm, organization: Organization, item: ConfigurationItem | None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "organization": organization,
        "item": item,
        "ci_class_label": dict(CIClass.choices).get(form.ci_class, ""),
    }
    return render(request, "cmdb/item_form.html", context, status=status)


def _save(request: HttpRequest, organization: Organization, ci_class: str, item: ConfigurationItem | None) -> HttpResponse:
    form = ItemForm(request.POST, organization=organization, ci_class=ci_class, item=item)
    if form.is_valid():
        values = form.service_values()
        users = values.pop("users")
        user = current_user(request)
        try:
            if item is None:
                saved = services.create_item(by=user, organization=organization, ci_class=ci_class, users=users, **values)
                messages.success(request, _("Configuration item “%(name)s” created.") % {"name": saved.name})
            else:
                saved = services.update_item(item, by=user, users=users, **values)
                messages.success(request, _("Configuration item “%(name)s” saved.") % {"name": saved.name})
        except ValidationError as error:
            attribute_errors = error.message_dict.pop("attributes", []) if hasattr(error, "error_dict") else []
            apply_service_error(error, form, {})
            if attribute_errors:
                form.add_error(None, attribute_errors)
        except PermissionDenied:
            raise
        else:
            return redirect("cmdb:item_detail", item_id=saved.pk)
    return _render_form(request, form, organization, item, INVALID)


@staff_required
def item_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    organization = client_from_query(request)
    ci_class = request.GET.get("ci_class", "")
    if organization is None or ci_class not in CIClass.values:
        choices = [c for c in visible_clients(request) if can_manage(user, c.pk)]
        context = {"organizations": choices, "classes": CIClass.choices, "chosen": organization, "ci_class": ci_class}
        return render(request, "cmdb/choose_class.html", context)
    if not can_manage(user, organization.pk):
        raise PermissionDenied(refused_message())
    if request.method == "POST":
        return _save(request, organization, ci_class, None)
    return _render_form(request, ItemForm(organization=organization, ci_class=ci_class), organization, None)


@staff_required
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = visible_item(request, item_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    if not can_manage(current_user(request), item.organization_id):
        raise PermissionDenied(refused_message())
    if request.method == "POST":
        return _save(request, item.organization, item.ci_class, item)
    return _render_form(
        request, ItemForm(organization=item.organization, ci_class=item.ci_class, item=item), item.organization, item
    )


@staff_required
def item_delete(request: HttpRequest, item_id: int) -> HttpResponse:
    """GET: what will be unlinked; POST with ``confirm``: delete the CI with its links."""
    item = visible_item(request, item_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    if not can_manage(user, item.organization_id):
        raise PermissionDenied(refused_message())
    links = services.links_of(item)
    error = ""
    if request.method == "POST":
        try:
            services.delete_item(item, by=user, confirm=request.POST.get("confirm") == "yes")
        except ServiceError as refusal:
            error = " ".join(getattr(refusal, "messages", [str(refusal)]))
        else:
            messages.success(request, _("Configuration item “%(name)s” deleted.") % {"name": item.name})
            return redirect(f"{_list_url()}?client={item.organization_id}")
    status = INVALID if error else 200
    return render(request, "cmdb/item_delete.html", {"item": item, "links": links, "error": error}, status=status)


def _list_url() -> str:
    from django.urls import reverse

    return reverse("cmdb:item_list")
