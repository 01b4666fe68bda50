"""Template helpers of the change pages, and the panel that shows changes on a ticket's page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from vigie.changes import permissions
from vigie.changes.models import Change, ChangeEvent, ChangeEventKind, ChangeStatus, Decision, ReviewOutcome

register = template.Library()


def _status(value: str) -> str:
    try:
        return str(ChangeStatus(value).label)
    except ValueError:
        return value


@register.simple_tag
def change_event(event: ChangeEvent) -> SafeString:
    data: dict[str, Any] = event.data or {}
    if event.kind == ChangeEventKind.STATUS:
        return format_html("{} → {}", _status(data.get("old", "")), _status(data.get("new", "")))
    if event.kind == ChangeEventKind.APPROVAL:
        decision = str(Decision(data["decision"]).label) if data.get("decision") in Decision.values else ""
        comment = data.get("comment") or ""
        return format_html("{}{}{}", decision, " — " if comment else "", comment)
    if event.kind == ChangeEventKind.RISK:
        return format_html(_("Risk score {} ({})"), data.get("score", ""), data.get("level", ""))
    if event.kind == ChangeEventKind.FREEZE_OVERRIDE:
        return format_html(_("Freeze “{}” overridden: {}"), data.get("freezes", ""), data.get("reason", ""))
    if event.kind == ChangeEventKind.INCIDENT:
        return format_html(
            _("Incidents linked: {}; unlinked: {}"),
            ", ".join(data.get("added", [])) or "—",
            ", ".join(data.get("removed", [])) or "—",
        )
    if event.kind == ChangeEventKind.REVIEW:
        outcome = data.get("outcome", "")
        label = str(ReviewOutcome(outcome).label) if outcome in ReviewOutcome.values else outcome
        return format_html(_("Reviewed: {}"), label)
    return format_html("{}", event.get_kind_display())


@register.inclusion_tag("changes/partials/_ticket_changes.html", takes_context=True)
def ticket_changes(context: dict[str, Any], ticket: Any) -> dict[str, Any]:
    """The changes that caused this ticket, and (for staff serving its client) a way to link one."""
    request = context["request"]
    user = request.user
    visible = Change.objects.visible_to(user)
    return {
        "ticket": ticket,
        "linked": list(visible.filter(caused_incidents=ticket).order_by("-created_at")),
        "can_link": permissions.serves(user, ticket.organization_id),
        "csrf_token": context.get("csrf_token"),
    }
