"""Problem badges, and the problem panel of the staff ticket page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from vigie.problems import permissions
from vigie.problems.models import KnownErrorStatus, Problem, ProblemStatus
from vigie.servicedesk.models import Ticket, TicketType

register = template.Library()

# Problem statuses drawn with the colours of the ticket statuses closest in meaning.
BADGE_CLASSES: dict[str, str] = {
    ProblemStatus.NEW: "new",
    ProblemStatus.INVESTIGATING: "in_progress",
    ProblemStatus.ROOT_CAUSE_KNOWN: "assigned",
    ProblemStatus.KNOWN_ERROR: "waiting_customer",
    ProblemStatus.RESOLVED: "resolved",
    ProblemStatus.CLOSED: "closed",
    ProblemStatus.CANCELLED: "cancelled",
}


@register.simple_tag
def problem_status_badge(status: str) -> SafeString:
    try:
        label = str(ProblemStatus(status).label)
    except ValueError:
        label = status
    return format_html('<span class="badge status status--{}">{}</span>', BADGE_CLASSES.get(status, "new"), label)


@register.inclusion_tag("problems/partials/_ticket_panel.html", takes_context=True)
def problem_panel(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    """The problems an incident is linked to, with the workaround of their known error, and the
    ways to link it to another problem or open one from it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    linked = list(
        ticket.problems.select_related("known_error").order_by("-created_at")  # type: ignore[attr-defined]
    )
    is_incident = ticket.type == TicketType.INCIDENT
    candidates: list[Problem] = []
    if is_incident and user is not None and permissions.can_link(user, ticket.organization_id):
        candidates = list(
            Problem.objects.visible_to(user)
            .linkable()
            .filter(organization_id=ticket.organization_id)
            .exclude(pk__in=[p.pk for p in linked])
            .only("reference", "title")
            .order_by("-created_at")[:50]
        )
    workarounds = [
        problem
        for problem in linked
        if getattr(problem, "known_error", None) is not None and problem.known_error.status == KnownErrorStatus.ACTIVE
    ]
    return {
        "ticket": ticket,
        "linked": linked,
        "workarounds": workarounds,
        "candidates": candidates,
        "is_incident": is_incident,
        "can_create": is_incident and user is not None and permissions.can_manage(user, ticket.organization_id),
        "csrf_token": context.get("csrf_token"),
    }
