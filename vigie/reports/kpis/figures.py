"""``compute``: every figure of a ``KpiReport``, with one aggregate query per family of KPIs.

The families, each over its own tickets (docs/kpis.md gives every definition):

- volume: the tickets opened in the period, by category, with conditional counts by type and channel;
- responses: the tickets first answered in the period (MTTA) and the response clocks that stopped
  in it (response SLA compliance);
- resolutions: the tickets resolved in the period (MTTR, first-contact resolution, reopen rate,
  reassignments, resolution SLA compliance);
- backlog: the tickets open at the end of the period, with their age;
- satisfaction: the ratings answered in the period;
- availability (``availability.py``): outages of business services.

Every query starts from ``Ticket.objects.visible_to(user)``: a figure never counts a ticket the
user could not open. On PostgreSQL median and P90 are computed in the same query
(``percentile_cont``); on SQLite the durations of the two duration families are read once more
and the same formula applied in Python.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Case, Count, DateTimeField, Exists, F, FloatField, OuterRef, Q, Value, When
from django.utils import timezone

from vigie.reports.kpis.availability import availability_of
from vigie.reports.kpis.contract import Compliance, DurationStats, KpiFilter, KpiReport
from vigie.reports.kpis.expressions import Seconds, percentiles_in_sql, stats_aggregates, stats_from
from vigie.servicedesk.models import (
    OPEN_STATUSES,
    Channel,
    Comment,
    EventKind,
    Priority,
    SatisfactionSurvey,
    Ticket,
    TicketEvent,
    TicketQuerySet,
    TicketStatus,
    TicketType,
)
from vigie.sla.models import ClockState

# Backlog age buckets: (name, from days included, to days excluded).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (("<1d", 0, 1), ("1-7d", 1, 7), ("7-30d", 7, 30), (">30d", 30, None))
# A clock in these states was measured by the SLA engine; "none" means no target applied.
MEASURED_STATES = [state for state in ClockState.values if state != ClockState.NONE]
# A rating of 4 or 5 out of 5 is a satisfied customer (the usual CSAT "top-2 box").
SATISFIED_FROM = 4


def tickets_in_scope(user: Any, kpi_filter: KpiFilter) -> TicketQuerySet:
    """The tickets ``user`` may see, narrowed by every field of the filter except the period."""
    tickets = Ticket.objects.visible_to(user)
    if kpi_filter.organization_ids is not None:
        tickets = tickets.filter(organization_id__in=kpi_filter.organization_ids)
    narrowing = {
        "service_id": kpi_filter.service_id,
        "group_id": kpi_filter.group_id,
        "assignee_id": kpi_filter.assignee_id,
        "priority": kpi_filter.priority,
        "type": kpi_filter.ticket_type,
    }
    tickets = tickets.filter(**{name: value for name, value in narrowing.items() if value is not None})
    return tickets.order_by()


def compute(user: Any, kpi_filter: KpiFilter, *, now: datetime | None = None) -> KpiReport:
    """Every KPI of the tickets ``user`` may see, for ``kpi_filter``.

    Backlog and availability are taken at the end of the period, or at ``now`` (default: the
    current time) if the period has not ended yet.
    """
    check_period(kpi_filter.start, kpi_filter.end)
    as_of = min(kpi_filter.end, now or timezone.now())
    tickets = tickets_in_scope(user, kpi_filter)
    volume = _volume(tickets, kpi_filter)
    responses = _responses(tickets, kpi_filter)
    resolutions = _resolutions(tickets, kpi_filter)
    backlog = _backlog(tickets, as_of)
    satisfaction = _satisfaction(tickets, kpi_filter)
    return KpiReport(
        filter=kpi_filter,
        opened=volume["opened"],
        opened_by_type=volume["by_type"],
        opened_by_channel=volume["by_channel"],
        opened_by_category=volume["by_category"],
        resolved=resolutions["resolved"],
        mtta_calendar=responses["calendar"],
        mtta_business=responses["business"],
        mttr_calendar=resolutions["calendar"],
        mttr_business=resolutions["business"],
        first_contact_resolution=resolutions["first_contact"],
        response_compliance=responses["compliance"],
        resolution_compliance=resolutions["compliance"],
        response_compliance_by_priority=responses["compliance_by_priority"],
        resolution_compliance_by_priority=resolutions["compliance_by_priority"],
        backlog=backlog["count"],
        backlog_age_buckets=backlog["buckets"],
        backlog_mean_age=backlog["mean_age"],
        reopen_rate=resolutions["reopened"],
        reassignments_mean=resolutions["reassignments_mean"],
        csat=satisfaction["csat"],
        csat_mean=satisfaction["mean"],
        availability=availability_of(user, tickets, kpi_filter, as_of),
        as_of=as_of,
    )


def check_period(start: datetime, end: datetime) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("A KPI period needs aware date-times.")
    if end <= start:
        raise ValueError("A KPI period must end after it starts.")


def _volume(tickets: TicketQuerySet, kpi_filter: KpiFilter) -> dict[str, Any]:
    """Opened in the period: one row per category, each with its counts by type and channel."""
    by_type = {f"type_{value}": Count("pk", filter=Q(type=value)) for value in TicketType.values}
    by_channel = {f"channel_{value}": Count("pk", filter=Q(channel=value)) for value in Channel.values}
    opened = (
        tickets.filter(created_at__gte=kpi_filter.start, created_at__lt=kpi_filter.end)
        .values("category__full_name")
        .annotate(opened=Count("pk"), **by_type, **by_channel)
    )
    rows: list[dict[str, Any]] = [dict(row) for row in opened]
    categories = sorted(((row["category__full_name"] or "", row["opened"]) for row in rows), key=lambda c: (-c[1], c[0]))
    return {
        "opened": sum(row["opened"] for row in rows),
        "by_type": {value: sum(row[f"type_{value}"] for row in rows) for value in TicketType.values},
        "by_channel": {value: sum(row[f"channel_{value}"] for row in rows) for value in Channel.values},
        "by_category": categories,
    }


def _compliance_aggregates(prefix: str, met_field: str) -> dict[str, Any]:
    """Met and measured counts of one SLA clock (``met_field`` is NULL while it runs or without a
    target), overall and per priority."""
    met, measured = Q(**{met_field: True}), Q(**{f"{met_field}__isnull": False})
    aggregates = {f"{prefix}_met": Count("pk", filter=met), f"{prefix}_total": Count("pk", filter=measured)}
    for priority in Priority.values:
        aggregates[f"{prefix}_met_p{priority}"] = Count("pk", filter=met & Q(priority=priority))
        aggregates[f"{prefix}_total_p{priority}"] = Count("pk", filter=measured & Q(priority=priority))
    return aggregates


def _compliance_from(row: dict[str, Any], prefix: str) -> tuple[Compliance, dict[int, Compliance]]:
    overall = Compliance(met=row[f"{prefix}_met"], total=row[f"{prefix}_total"])
    by_priority = {p: Compliance(met=row[f"{prefix}_met_p{p}"], total=row[f"{prefix}_total_p{p}"]) for p in Priority.values}
    return overall, by_priority


def _durations(rows: TicketQuerySet, calendar: Any, business: Any, row: dict[str, Any]) -> tuple[DurationStats, DurationStats]:
    """Calendar and business ``DurationStats`` from an aggregate row; on SQLite the durations
    are read (one more query) for the median and P90."""
    if percentiles_in_sql():
        return stats_from(row, "calendar"), stats_from(row, "business")
    values = list(
        rows.annotate(calendar_seconds=calendar, business_seconds=business).values_list("calendar_seconds", "business_seconds")
    )
    return (
        stats_from(row, "calendar", (v[0] for v in values)),
        stats_from(row, "business", (v[1] for v in values)),
    )


def _responses(tickets: TicketQuerySet, kpi_filter: KpiFilter) -> dict[str, Any]:
    """MTTA over the tickets first answered in the period; response compliance over the response
    clocks that stopped in it: at the first answer, or at the resolution of a ticket never answered."""
    in_period = {"first_response_at__gte": kpi_filter.start, "first_response_at__lt": kpi_filter.end}
    resolved_unanswered = Q(first_response_at__isnull=True, resolved_at__gte=kpi_filter.start, resolved_at__lt=kpi_filter.end)
    rows = tickets.filter(Q(**in_period) | resolved_unanswered)
    # NULL for the tickets never answered: they count for compliance only.
    calendar = Seconds(F("first_response_at") - F("created_at"))
    business = Case(
        When(first_response_at__isnull=False, sla__response_state__in=MEASURED_STATES, then=F("sla__response_elapsed_seconds")),
        output_field=FloatField(),
    )
    row = rows.aggregate(
        **stats_aggregates("calendar", calendar),
        **stats_aggregates("business", business),
        **_compliance_aggregates("response", "sla__response_met"),
    )
    calendar_stats, business_stats = _durations(rows, calendar, business, row)
    compliance, by_priority = _compliance_from(row, "response")
    return {
        "calendar": calendar_stats,
        "business": business_stats,
        "compliance": compliance,
        "compliance_by_priority": by_priority,
    }


def resolved_at_first_contact() -> Q:
    """Resolved without any exchange: at most one public message in the whole conversation (the
    answer), never waiting for the customer, never reassigned, never reopened."""
    second_public_message = Comment.objects.filter(ticket=OuterRef("pk"), is_internal=False).order_by().values("pk")[1:2]
    waited_for_customer = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), kind=EventKind.STATUS, data__new=TicketStatus.WAITING_CUSTOMER.value
    )
    return Q(reopen_count=0, reassignment_count=0) & ~Exists(second_public_message) & ~Exists(waited_for_customer)


def _resolutions(tickets: TicketQuerySet, kpi_filter: KpiFilter) -> dict[str, Any]:
    """Everything measured on the tickets resolved in the period."""
    rows = tickets.filter(resolved_at__gte=kpi_filter.start, resolved_at__lt=kpi_filter.end)
    calendar = Seconds(F("resolved_at") - F("created_at"))
    business = Case(
        When(sla__resolution_state__in=MEASURED_STATES, then=F("sla__resolution_elapsed_seconds")), output_field=FloatField()
    )
    row = rows.aggregate(
        resolved=Count("pk"),
        first_contact=Count("pk", filter=resolved_at_first_contact()),
        reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        reassignments_mean=Avg("reassignment_count"),
        **stats_aggregates("calendar", calendar),
        **stats_aggregates("business", business),
        **_compliance_aggregates("resolution", "sla__resolution_met"),
    )
    calendar_stats, business_stats = _durations(rows, calendar, business, row)
    compliance, by_priority = _compliance_from(row, "resolution")
    resolved = row["resolved"]
    return {
        "resolved": resolved,
        "calendar": calendar_stats,
        "business": business_stats,
        "first_contact": Compliance(met=row["first_contact"], total=resolved),
        "reopened": Compliance(met=row["reopened"], total=resolved),
        "reassignments_mean": float(row["reassignments_mean"]) if resolved else None,
        "compliance": compliance,
        "compliance_by_priority": by_priority,
    }


def open_at(moment: datetime) -> Q:
    """Tickets open at ``moment`` (among those created before it), from their current dates: still
    open now, or finished (resolved, or closed/cancelled without a resolution) at or after it."""
    return Q(status__in=OPEN_STATUSES) | Q(resolved_at__gte=moment) | Q(resolved_at__isnull=True, closed_at__gte=moment)


def _backlog(tickets: TicketQuerySet, as_of: datetime) -> dict[str, Any]:
    rows = tickets.filter(created_at__lt=as_of).filter(open_at(as_of))
    buckets = {}
    for name, from_days, to_days in AGE_BUCKETS:
        # Age from_days ≤ age < to_days, i.e. created in (as_of − to_days, as_of − from_days].
        condition = Q(created_at__lte=as_of - timedelta(days=from_days))
        if to_days is not None:
            condition &= Q(created_at__gt=as_of - timedelta(days=to_days))
        buckets[name] = Count("pk", filter=condition)
    age = Seconds(Value(as_of, output_field=DateTimeField()) - F("created_at"))
    row = rows.aggregate(backlog=Count("pk"), mean_age=Avg(age), **buckets)
    return {
        "count": row["backlog"],
        "buckets": {name: row[name] for name, _from, _to in AGE_BUCKETS},
        "mean_age": float(row["mean_age"]) if row["backlog"] else None,
    }


def _satisfaction(tickets: TicketQuerySet, kpi_filter: KpiFilter) -> dict[str, Any]:
    """Ratings answered in the period on the tickets in scope; withdrawn surveys never count."""
    row = (
        SatisfactionSurvey.objects.answered()
        .filter(ticket__in=tickets.values("pk"), answered_at__gte=kpi_filter.start, answered_at__lt=kpi_filter.end)
        .aggregate(answered=Count("pk"), satisfied=Count("pk", filter=Q(rating__gte=SATISFIED_FROM)), mean=Avg("rating"))
    )
    return {
        "csat": Compliance(met=row["satisfied"], total=row["answered"]),
        "mean": float(row["mean"]) if row["answered"] else None,
    }
