"""Template helpers of the service desk pages: badges, sortable column headers, dates, people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.http import HttpRequest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from vigie.servicedesk.models import Priority, TicketStatus, TicketType

register = template.Library()

# Columns whose first click sorts descending (newest first); the others start ascending.
DESCENDING_FIRST = frozenset({"created", "activity", "reference"})


@register.simple_tag
def status_badge(status: str) -> SafeString:
    try:
        label = str(TicketStatus(status).label)
    except ValueError:
        label = status
    return format_html('<span class="badge status status--{}">{}</span>', status, label)


@register.simple_tag
def priority_badge(priority: int) -> SafeString:
    try:
        label = str(Priority(priority).label)
    except ValueError:
        label = str(priority)
    return format_html('<span class="badge prio prio--{}" title="{}">P{}</span>', priority, label, priority)


@register.simple_tag
def type_badge(ticket_type: str) -> SafeString:
    try:
        label = str(TicketType(ticket_type).label)
    except ValueError:
        label = ticket_type
    return format_html('<span class="badge type type--{}">{}</span>', ticket_type, label)


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, key: str, label: str) -> SafeString:
    """A sortable column header: a link that toggles the order, announced with aria-sort."""
    request: HttpRequest = context["request"]
    current = str(context.get("sort") or "")
    if current == key:
        target, state, arrow = f"-{key}", "ascending", "▲"
    elif current == f"-{key}":
        target, state, arrow = key, "descending", "▼"
    else:
        target, state, arrow = (f"-{key}" if key in DESCENDING_FIRST else key), "none", ""
    query = request.GET.copy()
    query["sort"] = target
    query.pop("page", None)
    if state == "none":
        return format_html(
            '<th scope="col" aria-sort="none"><a class="sort-link" href="?{}">{}</a></th>', query.urlencode(), label
        )
    return format_html(
        '<th scope="col" aria-sort="{}"><a class="sort-link is-sorted" href="?{}">{} <span aria-hidden="true">{}</span></a></th>',
        state,
        query.urlencode(),
        label,
        arrow,
    )


@register.simple_tag
def when(value: datetime | None, style: str = "short") -> SafeString:
    """A date in the reader's language and time zone, with the exact time in a tooltip."""
    if value is None:
        return format_html('<span class="muted">{}</span>', "—")
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    shown = date_filter(value, "SHORT_DATETIME_FORMAT" if style == "short" else "DATETIME_FORMAT")
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', value.isoformat(), date_filter(value, "DATETIME_FORMAT"), shown
    )


@register.filter
def person(user: Any) -> str:
    if user is None:
        return "—"
    return str(user)


@register.filter
def initials(name: Any) -> str:
    words = [w for w in str(name or "").replace("@", " ").replace(".", " ").split() if w[:1].isalpha()]
    if not words:
        return "·"
    return "".join(w[0].upper() for w in words[:2])
