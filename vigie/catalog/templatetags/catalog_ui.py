"""The catalog's panel on a ticket page (answers, approval, fulfilment tasks) and small filters."""

from __future__ import annotations

from typing import Any

from django import template

from vigie.catalog.display import objective_label
from vigie.catalog.models import ApprovalState, ServiceRequest, TaskState
from vigie.catalog.permissions import can_work_tasks
from vigie.servicedesk.models import Ticket
from vigie.tenancy.access import groups_visible_to, staff_visible_to

register = template.Library()


def panel_context(ticket: Ticket, user: Any, *, staff: bool) -> dict[str, Any]:
    request = ServiceRequest.objects.filter(ticket=ticket).select_related("approver", "decided_by").first()
    if request is None:
        return {"catalog_request": None}
    tasks = list(request.tasks.select_related("group", "assignee", "finished_by"))
    can_work = staff and ticket.is_open and can_work_tasks(user, request)
    return {
        "catalog_request": request,
        "ticket": ticket,
        "tasks": tasks,
        "tasks_finished": sum(1 for task in tasks if task.is_finished),
        "staff": staff,
        "can_work": can_work,
        "groups": list(groups_visible_to(user).filter(clients=ticket.organization).order_by("name")) if can_work else [],
        "technicians": list(staff_visible_to(user).order_by("first_name", "last_name")) if can_work else [],
        "open_state": TaskState.OPEN,
        "pending": request.approval_state == ApprovalState.PENDING,
    }


@register.inclusion_tag("catalog/partials/_request_panel.html", takes_context=True)
def catalog_request(context: template.Context, ticket: Ticket, staff: bool = False) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {**panel_context(ticket, user, staff=staff), "csrf_token": context.get("csrf_token")}


@register.filter
def objective(minutes: int | None) -> str:
    return objective_label(minutes)
