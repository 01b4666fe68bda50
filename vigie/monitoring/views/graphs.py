"""Graphs of the supervision pages, drawn on the server as SVG with the reports' chart module:
a check's latency (or a job's duration) and uptime over 24 hours, 7 or 30 days; a machine's metrics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.monitoring.models import Check, Ping, PingKind, ProbeResult
from vigie.reports import charts, formatting


@dataclass(frozen=True)
class Span:
    key: str
    label: Any
    length: timedelta
    buckets: int
    axis_format: str


SPANS = (
    Span("24h", gettext_lazy("24 hours"), timedelta(hours=24), 48, "H:i"),
    Span("7d", gettext_lazy("7 days"), timedelta(days=7), 56, "d/m"),
    Span("30d", gettext_lazy("30 days"), timedelta(days=30), 60, "d/m"),
)
SPAN_BY_KEY = {span.key: span for span in SPANS}
AXIS_LABELS = 6


def chosen_span(raw: str) -> Span:
    return SPAN_BY_KEY.get(raw, SPANS[0])


def bucketed(pairs: Iterable[tuple[datetime, float | None]], start: datetime, end: datetime, buckets: int) -> list[float | None]:
    """The average value of each equal slice of [start, end); None where nothing was measured."""
    totals = [0.0] * buckets
    counts = [0] * buckets
    width = (end - start) / buckets
    for at, value in pairs:
        if value is None:
            continue
        index = int((at - start) / width)
        if 0 <= index < buckets:
            totals[index] += value
            counts[index] += 1
    return [totals[i] / counts[i] if counts[i] else None for i in range(buckets)]


def axis_labels(start: datetime, end: datetime, buckets: int, axis_format: str) -> list[str]:
    width = (end - start) / buckets
    every = max(buckets // AXIS_LABELS, 1)
    return [
        date_format(timezone.localtime(start + width * index), axis_format) if index % every == 0 else ""
        for index in range(buckets)
    ]


def time_chart(
    pairs: Iterable[tuple[datetime, float | None]],
    *,
    span: Span,
    end: datetime,
    title: str,
    formatter: charts.Formatter,
    width: int = 720,
    height: int = 220,
) -> tuple[SafeString, int]:
    """A line over time and the number of measures drawn."""
    start = end - span.length
    values = list(pairs)
    series = bucketed(values, start, end, span.buckets)
    labels = axis_labels(start, end, span.buckets, span.axis_format)
    measured = [value for value in series if value is not None]
    if measured:
        description = _("%(title)s over %(span)s: lowest %(low)s, average %(average)s, highest %(high)s.") % {
            "title": title,
            "span": span.label,
            "low": formatter(min(measured)),
            "average": formatter(sum(measured) / len(measured)),
            "high": formatter(max(measured)),
        }
    else:
        description = _("%(title)s over %(span)s: nothing measured.") % {"title": title, "span": span.label}
    chart = charts.line_chart(
        labels, [charts.Series("", series)], title=title, description=description, formatter=formatter, width=width, height=height
    )
    return chart, len(values)


def _milliseconds(value: float) -> str:
    return _("%(value)s ms") % {"value": formatting.number(value, 0)}


def _seconds(value: float) -> str:
    return _("%(value)s s") % {"value": formatting.number(value, 0 if value >= 10 else 1)}


def check_graph(check: Check, span: Span, now: datetime) -> tuple[SafeString, int]:
    start = now - span.length
    if check.is_heartbeat:
        durations = (
            Ping.objects.filter(heartbeat=check, at__gte=start, at__lt=now, duration_seconds__isnull=False)
            .order_by()
            .values_list("at", "duration_seconds")
        )
        return time_chart(durations.iterator(), span=span, end=now, title=_("Job duration"), formatter=_seconds)
    latencies = (
        ProbeResult.objects.filter(probe_check=check, at__gte=start, at__lt=now, latency_ms__isnull=False)
        .order_by()
        .values_list("at", "latency_ms")
    )
    return time_chart(latencies.iterator(), span=span, end=now, title=_("Latency"), formatter=_milliseconds)


@dataclass(frozen=True)
class Uptime:
    span: Span
    total: int
    succeeded: int

    @property
    def rate(self) -> float | None:
        return self.succeeded / self.total if self.total else None


def uptimes(check: Check, now: datetime) -> list[Uptime]:
    """The share of successful runs (probes) or of successful job ends (heartbeats) per span; one query."""
    if check.is_heartbeat:
        rows: Any = Ping.objects.filter(heartbeat=check, kind__in=[PingKind.SUCCESS, PingKind.FAIL, PingKind.EXIT])
        ok = Q(kind=PingKind.SUCCESS) | Q(kind=PingKind.EXIT, exit_status=0)
    else:
        rows = ProbeResult.objects.filter(probe_check=check)
        ok = Q(ok=True)
    longest = max(span.length for span in SPANS)
    counts = rows.filter(at__gte=now - longest, at__lt=now).aggregate(
        **{f"total_{span.key}": Count("id", filter=Q(at__gte=now - span.length)) for span in SPANS},
        **{f"ok_{span.key}": Count("id", filter=Q(at__gte=now - span.length) & ok) for span in SPANS},
    )
    return [Uptime(span, counts[f"total_{span.key}"], counts[f"ok_{span.key}"]) for span in SPANS]


def metric_formatter(name: str) -> charts.Formatter:
    lowered = name.lower()
    if "percent" in lowered or lowered.endswith("_pct") or "usage" in lowered:
        return lambda value: formatting.percent(value / 100, 0)
    return lambda value: formatting.number(value, 0 if abs(value) >= 10 else 2)
