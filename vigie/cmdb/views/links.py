"""Relations, service components, redundancy groups and ticket links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from vigie.cmdb import services
from vigie.cmdb.forms import ComponentForm, GroupForm, RelationForm, TicketLinkForm
from vigie.cmdb.models import ConfigurationItem, RedundancyGroup, Relation, ServiceComponent
from vigie.cmdb.permissions import can_manage
from vigie.cmdb.views.common import client_from_query, refused_message, visible_clients, visible_group, visible_item
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required, visible_ticket
from vigie.tenancy.access import access_for


def _refusal_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(message for messages_ in error.message_dict.values() for message in messages_)
    return " ".join(error.messages)


def _form_errors(form: RelationForm | ComponentForm | GroupForm | TicketLinkForm) -> str:
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(str(e) for e in errors)}".lstrip(": ")
        for name, errors in form.errors.items()
    )


def _apply(
    request: HttpRequest,
    form: RelationForm | ComponentForm | TicketLinkForm,
    action: Callable[[dict[str, Any]], object],
    done: str,
) -> None:
    """Run the service ``action`` on the form's data when it is valid, and say how it went."""
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _refusal_text(error))
    else:
        messages.success(request, done)


@staff_required
def relation_add(request: HttpRequest, item_id: int) -> HttpResponse:
    item = visible_item(request, item_id)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    if not can_manage(user, item.organization_id):
        raise PermissionDenied(refused_message())

    def add(data: dict[str, Any]) -> object:
        source, target = (item, data["other"]) if data["direction"] == RelationForm.OUTGOING else (data["other"], item)
        return services.add_relation(
            by=user,
            source=source,
            target=target,
            kind=data["kind"],
            redundancy_group=data["redundancy_group"],
            description=data["description"],
        )

    _apply(request, RelationForm(request.POST, item=item), add, _("Relation added."))
    return redirect("cmdb:item_detail", item_id=item.pk)


@staff_required
def relation_remove(request: HttpRequest, relation_id: int) -> HttpResponse:
    access = access_for(current_user(request))
    relation = get_object_or_404(Relation.objects.filter(organization_id__in=access.company_wide_client_ids), pk=relation_id)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    if not can_manage(user, relation.organization_id):
        raise PermissionDenied(refused_message())
    back = request.POST.get("back", "")
    services.remove_relation(relation, by=user)
    messages.success(request, _("Relation removed."))
    shown = back.isdigit() and ConfigurationItem.objects.visible_to(user).filter(pk=int(back)).exists()
    target = back if shown else relation.source_id
    return redirect("cmdb:item_detail", item_id=int(target))


@staff_required
def component_add(request: HttpRequest, item_id: int) -> HttpResponse:
    item = visible_item(request, item_id)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    if not can_manage(user, item.organization_id):
        raise PermissionDenied(refused_message())
    _apply(
        request,
        ComponentForm(request.POST, item=item),
        lambda data: services.add_component(
            by=user, service=data["service"], item=item, redundancy_group=data["redundancy_group"]
        ),
        _("The item now supports the service."),
    )
    return redirect("cmdb:item_detail", item_id=item.pk)


@staff_required
def component_remove(request: HttpRequest, component_id: int) -> HttpResponse:
    access = access_for(current_user(request))
    component = get_object_or_404(
        ServiceComponent.objects.filter(organization_id__in=access.company_wide_client_ids), pk=component_id
    )
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    if not can_manage(user, component.organization_id):
        raise PermissionDenied(refused_message())
    services.remove_component(component, by=user)
    messages.success(request, _("The item no longer supports the service."))
    return redirect("cmdb:item_detail", item_id=component.configuration_item_id)


@staff_required
def group_list(request: HttpRequest) -> HttpResponse:
    """Redundancy groups of the clients served; POST creates one for ``?organization=``."""
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    clients = visible_clients(request)
    organization = client_from_query(request)
    form = GroupForm()
    status = 200
    if request.method == "POST":
        if organization is None or not can_manage(user, organization.pk):
            raise PermissionDenied(refused_message())
        form = GroupForm(request.POST)
        if form.is_valid():
            try:
                services.create_group(by=user, organization=organization, **form.cleaned_data)
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Redundancy group created."))
                return redirect(f"{request.path}?organization={organization.pk}")
        status = INVALID
    groups = RedundancyGroup.objects.filter(organization__in=[organization] if organization else clients).select_related(
        "organization"
    )
    context = {
        "groups": groups.order_by("organization__name", "name"),
        "clients": clients,
        "organization": organization,
        "form": form,
    }
    return render(request, "cmdb/group_list.html", context, status=status)


@staff_required
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    group = visible_group(request, group_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    if request.method == "POST":
        if not can_manage(user, group.organization_id):
            raise PermissionDenied(refused_message())
        form = GroupForm(request.POST)
        if form.is_valid():
            try:
                services.update_group(group, by=user, **form.cleaned_data)
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Redundancy group saved."))
                return redirect("cmdb:group_edit", group_id=group.pk)
        return render(request, "cmdb/group_form.html", {"group": group, "form": form}, status=INVALID)
    form = GroupForm(initial={"name": group.name, "minimum_up": group.minimum_up, "description": group.description})
    members = Relation.objects.filter(redundancy_group=group).select_related("source", "target")
    components = ServiceComponent.objects.filter(redundancy_group=group).select_related("service", "configuration_item")
    return render(request, "cmdb/group_form.html", {"group": group, "form": form, "members": members, "components": components})


@staff_required
def group_delete(request: HttpRequest, group_id: int) -> HttpResponse:
    group = visible_group(request, group_id)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    if not can_manage(user, group.organization_id):
        raise PermissionDenied(refused_message())
    try:
        services.delete_group(group, by=user)
    except ValidationError as error:
        messages.error(request, _refusal_text(error))
        return redirect("cmdb:group_edit", group_id=group.pk)
    messages.success(request, _("Redundancy group deleted."))
    return redirect(f"/desk/cmdb/groups/?organization={group.organization_id}")


@staff_required
def ticket_link(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = visible_ticket(request, reference)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    if not can_manage(user, ticket.organization_id):
        raise PermissionDenied(refused_message())
    _apply(
        request,
        TicketLinkForm(request.POST, organization_id=ticket.organization_id),
        lambda data: services.link_ticket(by=user, ticket=ticket, item=data["configuration_item"]),
        _("Configuration item linked."),
    )
    return redirect("servicedesk:ticket_detail", reference=ticket.reference)


@staff_required
def ticket_unlink(request: HttpRequest, reference: str, item_id: int) -> HttpResponse:
    ticket = visible_ticket(request, reference)
    item = visible_item(request, item_id)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    if not can_manage(user, ticket.organization_id):
        raise PermissionDenied(refused_message())
    services.unlink_ticket(by=user, ticket=ticket, item=item)
    messages.success(request, _("Configuration item unlinked."))
    return redirect("servicedesk:ticket_detail", reference=ticket.reference)
