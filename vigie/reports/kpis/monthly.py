"""Monthly figures kept by the worker, so that a trend reads a few rows per client and month
instead of every ticket of a year.

For each client and closed month (in the provider's time zone) ``MonthlyFigures`` holds the
trend's figures as sums and counts — opened; resolved; resolution time summed in calendar and
in business time; resolutions within, and with, an SLA target — computed by ``refresh`` with
the same expressions as the live trend, in two grouped queries. The worker refreshes the last
``KEPT_MONTHS`` closed months every hour, and after an import.

``stored_months`` serves the closed months at the start of a trend when the trend is over whole
companies: no narrowing by service, group, technician, priority or type; a reader who sees the
companies whole (staff, a client's manager or IT contact, not a requester who sees their own
tickets); the provider's time zone. Every other month is counted from the tickets. A change to a
ticket of a closed month (reopened, imported, its clock recomputed) reaches the trend at the next
refresh, within the hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, F, FloatField, Q, Sum, When
from django.utils import timezone

from vigie.reports.kpis.contract import KpiFilter, month_bounds
from vigie.reports.kpis.expressions import Seconds, kpi_queries
from vigie.reports.models import FiguresMonth, MonthlyFigures
from vigie.reports.periods import provider_zone
from vigie.servicedesk.models import Ticket
from vigie.sla.models import ClockState

# Closed months kept: a year of reviews and trends back from last month, with room to spare.
KEPT_MONTHS = 24
MEASURED_STATES = [state for state in ClockState.values if state != ClockState.NONE]


@dataclass(frozen=True)
class MonthSums:
    opened: int = 0
    resolved: int = 0
    calendar_seconds: float = 0.0
    business_seconds: float = 0.0
    business_count: int = 0
    met: int = 0
    measured: int = 0


def resolution_seconds() -> tuple[Any, Any]:
    """The calendar and business resolution time of a ticket, as the live trend computes them."""
    calendar = Seconds(F("resolved_at") - F("created_at"))
    business = Case(
        When(sla__resolution_state__in=MEASURED_STATES, then=F("sla__resolution_elapsed_seconds")), output_field=FloatField()
    )
    return calendar, business


def month_of(field: str, bounds: list[tuple[datetime, datetime]]) -> Case:
    """The index of the month ``field`` falls in (the rows are already within the months)."""
    from django.db.models import IntegerField, Value

    return Case(
        *[When(**{f"{field}__lt": end}, then=Value(index)) for index, (_start, end) in enumerate(bounds)],
        output_field=IntegerField(),
    )


def closed_months(now: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """The ``count`` calendar months before the one holding ``now``, provider time, oldest first."""
    zone = provider_zone()
    local = timezone.localtime(now, zone)
    return [month_bounds(local.year, local.month - back, zone) for back in range(count, 0, -1)]


def _first_day(moment: datetime) -> date:
    return timezone.localtime(moment, provider_zone()).date()


def refresh(*, now: datetime | None = None, months: int = KEPT_MONTHS) -> int:
    """Recompute the figures of every client for the last ``months`` closed months; returns the
    number of rows written. One transaction: a reader sees the old figures or the new ones."""
    now = now or timezone.now()
    bounds = closed_months(now, months)
    first, last = bounds[0][0], bounds[-1][1]
    calendar, business = resolution_seconds()
    sums: dict[tuple[int, int], dict[str, Any]] = {}
    tickets = Ticket.objects.order_by()
    with kpi_queries():
        opened = (
            tickets.filter(created_at__gte=first, created_at__lt=last)
            .annotate(month=month_of("created_at", bounds))
            .values("organization_id", "month")
            .annotate(opened=Count("*"))
        )
        for count in opened:
            sums.setdefault((count["organization_id"], count["month"]), {})["opened"] = count["opened"]
        resolved = (
            tickets.filter(resolved_at__gte=first, resolved_at__lt=last)
            .annotate(month=month_of("resolved_at", bounds))
            .values("organization_id", "month")
            .annotate(
                resolved=Count("pk"),
                calendar_seconds=Sum(calendar),
                business_seconds=Sum(business),
                business_count=Count(business),
                met=Count("pk", filter=Q(sla__resolution_met=True)),
                measured=Count("pk", filter=Q(sla__resolution_met__isnull=False)),
            )
        )
        names = [name for name in MonthSums.__dataclass_fields__ if name != "opened"]
        for figures in resolved:
            values: dict[str, Any] = dict(figures)
            sums.setdefault((values["organization_id"], values["month"]), {}).update({name: values[name] or 0 for name in names})
    rows = [
        MonthlyFigures(organization_id=organization_id, month=_first_day(bounds[index][0]), **values)
        for (organization_id, index), values in sums.items()
    ]
    days = [_first_day(start) for start, _end in bounds]
    with transaction.atomic():
        MonthlyFigures.objects.filter(month__in=days).delete()
        MonthlyFigures.objects.bulk_create(rows, batch_size=1000)
        FiguresMonth.objects.filter(month__in=days).delete()
        FiguresMonth.objects.bulk_create([FiguresMonth(month=day, computed_at=now) for day in days])
    return len(rows)


def _scope(user: Any, kpi_filter: KpiFilter) -> frozenset[int] | bool | None:
    """The clients whose stored figures make the trend of ``user`` for ``kpi_filter`` (None: all
    of them), or False when the stored figures cannot make it."""
    from vigie.tenancy.access import access_for

    narrowed = (kpi_filter.service_id, kpi_filter.group_id, kpi_filter.assignee_id, kpi_filter.priority, kpi_filter.ticket_type)
    if any(value is not None for value in narrowed):
        return False
    if str(timezone.get_current_timezone()) != str(provider_zone()):
        return False
    access = access_for(user)
    if access.is_superuser:
        return kpi_filter.organization_ids
    wanted = kpi_filter.organization_ids
    if access.own_tickets_client_ids and (wanted is None or wanted & access.own_tickets_client_ids):
        return False  # a requester sees some tickets of the company, not all of them
    return access.company_wide_client_ids if wanted is None else access.company_wide_client_ids & wanted


def stored_months(user: Any, kpi_filter: KpiFilter, bounds: list[tuple[datetime, datetime]], *, now: datetime) -> list[MonthSums]:
    """The sums of the leading months of ``bounds`` that the stored figures cover (closed and
    computed), in order; the months after them are for the caller to count from the tickets."""
    scope = _scope(user, kpi_filter)
    if scope is False:
        return []
    days = [_first_day(start) for start, _end in bounds]
    computed = set(FiguresMonth.objects.filter(month__in=days).values_list("month", flat=True))
    covered: list[date] = []
    for day, (_start, end) in zip(days, bounds, strict=True):
        if day not in computed or end > now:
            break
        covered.append(day)
    if not covered:
        return []
    rows = MonthlyFigures.objects.filter(month__in=covered)
    if scope is not None:
        assert isinstance(scope, frozenset)
        rows = rows.filter(organization_id__in=scope)
    totals = {
        row["month"]: row
        for row in rows.values("month").annotate(
            opened_sum=Sum("opened"),
            resolved_sum=Sum("resolved"),
            calendar_sum=Sum("calendar_seconds"),
            business_sum=Sum("business_seconds"),
            business_count_sum=Sum("business_count"),
            met_sum=Sum("met"),
            measured_sum=Sum("measured"),
        )
    }
    result = []
    for day in covered:
        row = totals.get(day)
        if row is None:
            result.append(MonthSums())
            continue
        result.append(
            MonthSums(
                opened=row["opened_sum"] or 0,
                resolved=row["resolved_sum"] or 0,
                calendar_seconds=float(row["calendar_sum"] or 0),
                business_seconds=float(row["business_sum"] or 0),
                business_count=row["business_count_sum"] or 0,
                met=row["met_sum"] or 0,
                measured=row["measured_sum"] or 0,
            )
        )
    return result
