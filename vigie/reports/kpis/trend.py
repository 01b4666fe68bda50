"""``monthly_trend``: a few KPIs month by month, for charts and the monthly review (two queries)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Case, Count, F, FloatField, Q, When
from django.utils import timezone

from vigie.reports.kpis.contract import Compliance, KpiFilter, TrendPoint, month_bounds
from vigie.reports.kpis.expressions import Seconds
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

    opened: dict[str, Any] = {}
    resolved: dict[str, Any] = {}
    calendar = Seconds(F("resolved_at") - F("created_at"))
    business = Case(
        When(sla__resolution_state__in=MEASURED_STATES, then=F("sla__resolution_elapsed_seconds")), output_field=FloatField()
    )
    for index, (start, end) in enumerate(bounds):
        opened[f"opened_{index}"] = Count("pk", filter=Q(created_at__gte=start, created_at__lt=end))
        in_month = Q(resolved_at__gte=start, resolved_at__lt=end)
        resolved[f"resolved_{index}"] = Count("pk", filter=in_month)
        resolved[f"business_{index}"] = Avg(business, filter=in_month)
        resolved[f"calendar_{index}"] = Avg(calendar, filter=in_month)
        resolved[f"met_{index}"] = Count("pk", filter=in_month & Q(sla__resolution_met=True))
        resolved[f"measured_{index}"] = Count("pk", filter=in_month & Q(sla__resolution_met__isnull=False))
    opened_row = tickets.filter(created_at__gte=first, created_at__lt=last).aggregate(**opened)
    resolved_row = tickets.filter(resolved_at__gte=first, resolved_at__lt=last).aggregate(**resolved)
    return [
        TrendPoint(
            month_start=start,
            opened=opened_row[f"opened_{index}"],
            resolved=resolved_row[f"resolved_{index}"],
            mttr_business_mean=_float(resolved_row[f"business_{index}"]),
            resolution_compliance=Compliance(met=resolved_row[f"met_{index}"], total=resolved_row[f"measured_{index}"]),
            mttr_calendar_mean=_float(resolved_row[f"calendar_{index}"]),
        )
        for index, (start, _end) in enumerate(bounds)
    ]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
