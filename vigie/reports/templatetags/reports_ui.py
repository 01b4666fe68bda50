"""Template helpers of the dashboards and the review: figures in words, time left on a clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from vigie.reports import formatting
from vigie.reports.kpis import Compliance, DurationStats
from vigie.reports.periods import Month

register = template.Library()


@register.filter
def percent(rate: float | None, digits: int = 1) -> str:
    return formatting.percent(rate, int(digits))


@register.filter
def duration(seconds: float | None) -> str:
    return formatting.duration(seconds)


@register.filter
def compliance(value: Compliance | None) -> str:
    return formatting.compliance(value) if value is not None else formatting.NOTHING


@register.filter
def mean_duration(stats: DurationStats | None) -> str:
    return formatting.duration(stats.mean if stats is not None else None)


@register.filter
def decimal(value: float | None, digits: int = 1) -> str:
    return formatting.number(value, int(digits))


@register.filter
def month_label(value: Month | datetime) -> str:
    return formatting.month_name(value if isinstance(value, Month) else Month.containing(value))


@register.filter
def short_month(value: datetime) -> str:
    return formatting.short_month(value)


@register.simple_tag
def time_left(due: Any, now: Any = None) -> SafeString:
    """ "in 2 h 10 min" before the due date, "3 h late" after it; "—" when the clock has none
    (or the ticket has no clock at all: the template then hands an empty string)."""
    if not isinstance(due, datetime):
        return format_html('<span class="muted">{}</span>', formatting.NOTHING)
    now = now if isinstance(now, datetime) else timezone.now()
    seconds = (due - now).total_seconds()
    exact = timezone.localtime(due).isoformat()
    if seconds >= 0:
        return format_html(
            '<time datetime="{}">{}</time>', exact, _("in %(duration)s") % {"duration": formatting.duration(seconds)}
        )
    return format_html(
        '<time class="late" datetime="{}">{}</time>', exact, _("%(duration)s late") % {"duration": formatting.duration(-seconds)}
    )


@register.filter
def rating_class(rate: float | None) -> str:
    """A CSS modifier for a compliance or satisfaction rate: good, fair or poor."""
    if rate is None:
        return "none"
    return "good" if rate >= 0.9 else ("fair" if rate >= 0.75 else "poor")
