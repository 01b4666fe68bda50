"""``monthly_trend``: a few KPIs month by month, for charts and the monthly review (two queries,
each grouping its rows by month)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Case, Count, F, FloatField, IntegerField, Q, Value, When
from django.utils import timezone

from vigie.reports.kpis.contract import Compliance, KpiFilter, TrendPoint, month_bounds
from vigie.reports.kpis.expressions import Seconds, kpi_queries
from vigie.reports.kpis.figures import MEASURED_STATES, tickets_in_scope

MAX_MONTHS = 36


def trend_months(kpi_filter: KpiFilter, months: int) -> list[tuple[datetime, datetime]]:
    """The ``months`` calendar months ending with the one that holds the last instant of the
    filter's period, in the current time zone, oldest first: (start, end) of each."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be from 1 to {MAX_MONTHS}")
    last = timezone.localtime(kpi_filter.end - timedelta(microseconds=1))
    zone = timezone.get_current_timezone()
    return [month_bounds(last.year, last.month - back, zone) for back in range(months - 1, -1, -1)]


def monthly_trend(user: Any, kpi_filter: KpiFilter, months: int = 12) -> list[TrendPoint]:
    """Opened and resolved tickets, MTTR (business and calendar means) and resolution compliance
    for each of the ``months`` calendar months ending with the month of ``kpi_filter.end − 1 µs``,
    over the tickets ``user`` may see narrowed by the filter (its period only chooses the months).
    Each month counts as the monthly ``compute`` does: opened by creation, the rest by resolution.
    """
    bounds = trend_months(kpi_filter, months)
    first, last = bounds[0][0], bounds[-1][1]
    tickets = tickets_in_scope(user, kpi_filter)
    calendar = Seconds(F("resolved_at") - F("created_at"))
    business = Case(
        When(sla__resolution_state__in=MEASURED_STATES, then=F("sla__resolution_elapsed_seconds")), output_field=FloatField()
    )
    with kpi_queries():
        opened = {
            row["month"]: row
            for row in tickets.filter(created_at__gte=first, created_at__lt=last)
            .annotate(month=_month_of("created_at", bounds))
            .values("month")
            .annotate(opened=Count("*"))
        }
        resolved = {
            row["month"]: row
            for row in tickets.filter(resolved_at__gte=first, resolved_at__lt=last)
            .annotate(month=_month_of("resolved_at", bounds))
            .values("month")
            .annotate(
                resolved=Count("pk"),
                business=Avg(business),
                calendar=Avg(calendar),
                met=Count("pk", filter=Q(sla__resolution_met=True)),
                measured=Count("pk", filter=Q(sla__resolution_met__isnull=False)),
            )
        }
    nothing: dict[str, Any] = {"opened": 0, "resolved": 0, "business": None, "calendar": None, "met": 0, "measured": 0}
    points = []
    for index, (start, _end) in enumerate(bounds):
        row: dict[str, Any] = {**nothing, **opened.get(index, {}), **resolved.get(index, {})}
        points.append(
            TrendPoint(
                month_start=start,
                opened=row["opened"],
                resolved=row["resolved"],
                mttr_business_mean=_float(row["business"]),
                resolution_compliance=Compliance(met=row["met"], total=row["measured"]),
                mttr_calendar_mean=_float(row["calendar"]),
            )
        )
    return points


def _month_of(field: str, bounds: list[tuple[datetime, datetime]]) -> Case:
    """The index of the month ``field`` falls in (the rows are already within the months)."""
    return Case(
        *[When(**{f"{field}__lt": end}, then=Value(index)) for index, (_start, end) in enumerate(bounds)],
        output_field=IntegerField(),
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
