"""Template helpers for SLA clocks (queue cell, ticket panel, portal) and SLA configuration pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from vigie.servicedesk.models import Ticket
from vigie.sla import display
from vigie.sla.models import ClockState
from vigie.sla.validation import duration_label

register = template.Library()


@register.simple_tag
def clock_badge(state: str) -> SafeString:
    return format_html('<span class="badge clock clock--{}">{}</span>', state, display.state_label(state))


@register.simple_tag
def due_time(value: datetime | None) -> SafeString:
    """A due date relative to now (“in 2 h”, “overdue by 3 h”), the exact date in a tooltip."""
    if value is None:
        return format_html('<span class="muted">{}</span>', "—")
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        date_filter(local, "DATETIME_FORMAT"),
        display.relative_due(value),
    )


@register.simple_tag
def resolution_clock(ticket: Ticket) -> SafeString:
    """The queue's “time left” cell: the resolution clock's state and due date, and a warning
    when the response is at risk or late."""
    sla = display.sla_of(ticket)
    if sla is None or (sla.resolution_state == ClockState.NONE and sla.response_state == ClockState.NONE):
        return format_html('<span class="muted">{}</span>', "—")
    parts: list[SafeString] = []
    state = sla.resolution_state
    if state != ClockState.NONE:
        if state != ClockState.RUNNING:
            parts.append(clock_badge(state))
        if state in display.RUNNING_STATES and sla.resolution_due_at is not None:
            parts.append(format_html('<span class="due">{}</span>', due_time(sla.resolution_due_at)))
    if sla.response_state in (ClockState.AT_RISK, ClockState.BREACHED):
        parts.append(
            format_html(
                '<span class="sub">{}</span>',
                _("Response: %(state)s") % {"state": display.state_label(sla.response_state)},
            )
        )
    return (
        format_html_join(" ", "{}", ((part,) for part in parts)) if parts else format_html('<span class="muted">{}</span>', "—")
    )


@register.inclusion_tag("sla/partials/_ticket_clocks.html")
def ticket_clocks(ticket: Ticket) -> dict[str, Any]:
    return {"ticket": ticket, "clocks": display.clocks_of(ticket)}


@register.simple_tag
def portal_resolution_due(ticket: Ticket) -> SafeString:
    """For the requester: when the ticket should be resolved, nothing internal."""
    sla = display.sla_of(ticket)
    if sla is None or not ticket.is_open or sla.resolution_due_at is None:
        return mark_safe("")
    if sla.resolution_state not in display.RUNNING_STATES:
        return mark_safe("")
    local = timezone.localtime(sla.resolution_due_at)
    return format_html(
        '<dt>{}</dt><dd><time datetime="{}">{}</time></dd>',
        _("Expected resolution by"),
        local.isoformat(),
        date_filter(local, "DATETIME_FORMAT"),
    )


@register.filter
def minutes_label(minutes: int | None) -> str:
    return duration_label(minutes) if minutes else "—"


@register.filter
def business_time(seconds: int | None) -> str:
    return display.business_duration(seconds)


@register.filter
def opening_hours(calendar: Any) -> str:
    return display.hours_summary(list(calendar.ranges.all()))


@register.filter
def targets_summary(policy: Any) -> list[str]:
    return display.targets_summary(list(policy.targets.all()))


@register.filter
def region_label(calendar: Any) -> str:
    """“FR – 57 Moselle”, “FR”, or nothing."""
    from vigie.sla.validation import subdivision_name

    if not calendar.holiday_country:
        return ""
    if not calendar.holiday_subdivision:
        return str(calendar.holiday_country)
    name = subdivision_name(calendar.holiday_country, calendar.holiday_subdivision)
    return f"{calendar.holiday_country} – {calendar.holiday_subdivision} {name}".strip()
