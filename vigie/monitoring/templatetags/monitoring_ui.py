"""Small filters for the supervision pages: durations, latencies, sizes, schedules."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from vigie.reports import formatting

register = template.Library()


@register.filter
def span(seconds: float | int | None) -> str:
    """A period or a duration in words: "5 min", "1 d"; seconds below a minute as such."""
    if seconds is None:
        return formatting.NOTHING
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": formatting.number(seconds, 0 if float(seconds).is_integer() else 1)}
    return formatting.duration(seconds)


@register.filter
def latency(milliseconds: float | None) -> str:
    if milliseconds is None:
        return formatting.NOTHING
    return _("%(value)s ms") % {"value": formatting.number(milliseconds, 0 if milliseconds >= 10 else 1)}


@register.filter
def bytes_size(value: int | None) -> str:
    """1 073 741 824 → "1 Gio" (binary units, as machines report memory)."""
    if value is None:
        return formatting.NOTHING
    size = float(value)
    for unit in (_("bytes"), _("KiB"), _("MiB"), _("GiB")):
        if size < 1024:
            return f"{formatting.number(size, 0 if size >= 10 or unit == _('bytes') else 1)} {unit}"
        size /= 1024
    return f"{formatting.number(size, 1)} {_('TiB')}"


@register.filter
def percentage(rate: float | None) -> str:
    return formatting.percent(rate, 2)


@register.filter
def schedule(check: Any) -> str:
    """What a check watches: a heartbeat's schedule, a probe's target."""
    if check.is_heartbeat:
        if check.schedule_kind == "cron":
            return _("%(expression)s (%(zone)s)") % {"expression": check.cron_expression, "zone": check.schedule_timezone}
        return _("every %(period)s") % {"period": span(check.period_seconds)}
    if check.port:
        return f"{check.target}:{check.port}"
    return str(check.target)
