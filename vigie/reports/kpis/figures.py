"""``compute``: every figure of a ``KpiReport``, with one aggregate query per family of KPIs.

The families, each over its own tickets (docs/kpis.md gives every definition):

- volume: the tickets opened in the period, by category, with conditional counts by type and channel;
- responses: the tickets first answered in the period (MTTA) and the response clocks that stopped
  in it (response SLA compliance);
- resolutions: the tickets resolved in the period (MTTR, reopen rate, reassignments, resolution
  SLA compliance, first-contact resolution);
- backlog: the tickets open at the end of the period, with their age;
- satisfaction: the ratings answered in the period;
- availability (``availability.py``): outages of business services.

Every query starts from ``Ticket.objects.visible_to(user)``: a figure never counts a ticket the
user could not open. ``compute_by_client`` runs the same queries grouped by client. On PostgreSQL median and P90 are computed in the same query
(``percentile_cont``); on SQLite the durations of the two duration families are read once more
and the same formula applied in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Case, Count, DateTimeField, F, FloatField, Q, Value, When
from django.utils import timezone

from vigie.reports.kpis.availability import availability_of
from vigie.reports.kpis.contract import Availability, Compliance, DurationStats, KpiFilter, KpiReport
from vigie.reports.kpis.expressions import Seconds, kpi_queries, percentiles_in_sql, stats_aggregates, stats_from
from vigie.servicedesk.models import (
    OPEN_STATUSES,
    Channel,
    Priority,
    SatisfactionSurvey,
    Ticket,
    TicketQuerySet,
    TicketType,
)
from vigie.sla.models import ClockState
from vigie.tenancy.models import Organization

# Backlog age buckets: (name, from days included, to days excluded).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (("<1d", 0, 1), ("1-7d", 1, 7), ("7-30d", 7, 30), (">30d", 30, None))
# A clock in these states was measured by the SLA engine; "none" means no target applied.
MEASURED_STATES = [state for state in ClockState.values if state != ClockState.NONE]
# Figures are keyed by client id, or by None for the whole scope.
Key = int | None
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
    return _reports(user, kpi_filter, now=now, per_client=False)[None]


def compute_by_client(user: Any, kpi_filter: KpiFilter, *, now: datetime | None = None) -> dict[int, KpiReport]:
    """One ``KpiReport`` per client company in scope (those the user sees, narrowed by the
    filter's ``organization_ids``), ordered by name, in the same number of queries as ``compute``
    (plus one): each family of figures grouped by client. Each report equals
    ``compute(user, <the filter narrowed to that client>)``, and its ``filter`` is that filter.
    """
    clients = Organization.objects.visible_to(user).clients()
    if kpi_filter.organization_ids is not None:
        clients = clients.filter(pk__in=kpi_filter.organization_ids)
    reports = _reports(user, kpi_filter, now=now, per_client=True)
    return {
        pk: replace(reports.get(pk) or reports[None], filter=replace(kpi_filter, organization_ids=frozenset({pk})))
        for pk in clients.order_by("name").values_list("pk", flat=True)
    }


def _reports(user: Any, kpi_filter: KpiFilter, *, now: datetime | None, per_client: bool) -> dict[Key, KpiReport]:
    """The reports keyed by client id (``per_client``), or under ``None`` for the whole scope.
    Clients with no figure at all get the ``None`` entry: the report of nothing."""
    check_period(kpi_filter.start, kpi_filter.end)
    now = now or timezone.now()
    as_of = min(kpi_filter.end, now)
    per = "organization_id" if per_client else None
    tickets = tickets_in_scope(user, kpi_filter)
    with kpi_queries():
        volume = _volume(tickets, kpi_filter, per)
        responses = _responses(tickets, kpi_filter, per)
        resolutions = _resolutions(tickets, kpi_filter, per)
        backlog = _backlog(tickets, as_of, per, current=as_of >= now)
        satisfaction = _satisfaction(tickets, kpi_filter, per)
        outages = availability_of(user, tickets, kpi_filter, as_of)
    availability: dict[Key, list[Availability]] = defaultdict(list)
    for item in outages:
        availability[item.organization_id if per_client else None].append(item)
    keys: set[Key] = {None, *volume, *responses, *resolutions, *backlog, *satisfaction, *availability}
    return {
        key: KpiReport(
            filter=kpi_filter,
            opened=volume[key]["opened"],
            opened_by_type=volume[key]["by_type"],
            opened_by_channel=volume[key]["by_channel"],
            opened_by_category=volume[key]["by_category"],
            resolved=resolutions[key]["resolved"],
            mtta_calendar=responses[key]["calendar"],
            mtta_business=responses[key]["business"],
            mttr_calendar=resolutions[key]["calendar"],
            mttr_business=resolutions[key]["business"],
            first_contact_resolution=resolutions[key]["first_contact"],
            response_compliance=responses[key]["compliance"],
            resolution_compliance=resolutions[key]["compliance"],
            response_compliance_by_priority=responses[key]["compliance_by_priority"],
            resolution_compliance_by_priority=resolutions[key]["compliance_by_priority"],
            backlog=backlog[key]["count"],
            backlog_age_buckets=backlog[key]["buckets"],
            backlog_mean_age=backlog[key]["mean_age"],
            reopen_rate=resolutions[key]["reopened"],
            reassignments_mean=resolutions[key]["reassignments_mean"],
            csat=satisfaction[key]["csat"],
            csat_mean=satisfaction[key]["mean"],
            availability=availability.get(key, []),
            as_of=as_of,
        )
        for key in keys
    }


class Families(dict[Key, dict[str, Any]]):
    """Figures of one family by key; a key without rows reads as the figures of no ticket."""

    def __init__(self, figures: dict[Key, dict[str, Any]], nothing: dict[str, Any]) -> None:
        super().__init__(figures)
        self.nothing = nothing

    def __missing__(self, key: Key) -> dict[str, Any]:
        return self.nothing


def _aggregate(rows: Any, per: str | None, aggregates: dict[str, Any]) -> tuple[dict[Key, dict[str, Any]], dict[str, Any]]:
    """One aggregate query over ``rows``: a single row under ``None``, or one row per value of
    ``per``; and the row of no ticket at all (counts 0, the rest None)."""
    nothing = {name: 0 if isinstance(aggregate, Count) else None for name, aggregate in aggregates.items()}
    if per is None:
        return {None: rows.aggregate(**aggregates)}, nothing
    return {row[per]: row for row in rows.values(per).annotate(**aggregates)}, nothing


def check_period(start: datetime, end: datetime) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("A KPI period needs aware date-times.")
    if end <= start:
        raise ValueError("A KPI period must end after it starts.")


def _volume(tickets: TicketQuerySet, kpi_filter: KpiFilter, per: str | None) -> Families:
    """Opened in the period: one row per category (and client), each with its counts by type and channel."""
    by_type = {f"type_{value}": Count("pk", filter=Q(type=value)) for value in TicketType.values}
    by_channel = {f"channel_{value}": Count("pk", filter=Q(channel=value)) for value in Channel.values}
    keys = [per, "category__full_name"] if per else ["category__full_name"]
    opened = (
        tickets.filter(created_at__gte=kpi_filter.start, created_at__lt=kpi_filter.end)
        .values(*keys)
        .annotate(opened=Count("pk"), **by_type, **by_channel)
    )
    grouped: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for row in opened:
        grouped[row[per] if per else None].append(dict(row))
    return Families({key: _volume_of(rows) for key, rows in grouped.items()}, _volume_of([]))


def opened_by_category(user: Any, kpi_filter: KpiFilter) -> list[tuple[str, int]]:
    """The tickets opened in the period by category (full name, "" for none), most opened first:
    the ``opened_by_category`` of ``compute`` alone, in one query."""
    check_period(kpi_filter.start, kpi_filter.end)
    rows = (
        tickets_in_scope(user, kpi_filter)
        .filter(created_at__gte=kpi_filter.start, created_at__lt=kpi_filter.end)
        .values("category__full_name")
        .annotate(opened=Count("pk"))
    )
    return sorted(((row["category__full_name"] or "", row["opened"]) for row in rows), key=lambda c: (-c[1], c[0]))


def _volume_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
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


def _durations(
    rows: TicketQuerySet, per: str | None, calendar: Any, business: Any
) -> dict[Key, tuple[list[float], list[float]]] | None:
    """On SQLite only (one more query): the calendar and business durations themselves, by key,
    for the median and P90; PostgreSQL computes those in the aggregate query."""
    if percentiles_in_sql():
        return None
    values: dict[Key, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    annotated = rows.annotate(calendar_seconds=calendar, business_seconds=business)
    for key, calendar_seconds, business_seconds in annotated.values_list(per or "pk", "calendar_seconds", "business_seconds"):
        calendars, businesses = values[key if per else None]
        if calendar_seconds is not None:
            calendars.append(calendar_seconds)
        if business_seconds is not None:
            businesses.append(business_seconds)
    return values


def _stats(
    row: dict[str, Any], key: Key, durations: dict[Key, tuple[list[float], list[float]]] | None
) -> tuple[DurationStats, DurationStats]:
    if durations is None:
        return stats_from(row, "calendar"), stats_from(row, "business")
    calendars, businesses = durations.get(key, ([], []))
    return stats_from(row, "calendar", calendars), stats_from(row, "business", businesses)


def _responses(tickets: TicketQuerySet, kpi_filter: KpiFilter, per: str | None) -> Families:
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
    aggregates = {
        **stats_aggregates("calendar", calendar),
        **stats_aggregates("business", business),
        **_compliance_aggregates("response", "sla__response_met"),
    }
    found, nothing = _aggregate(rows, per, aggregates)
    durations = _durations(rows, per, calendar, business)

    def figures(key: Key, row: dict[str, Any]) -> dict[str, Any]:
        calendar_stats, business_stats = _stats(row, key, durations)
        compliance, by_priority = _compliance_from(row, "response")
        return {
            "calendar": calendar_stats,
            "business": business_stats,
            "compliance": compliance,
            "compliance_by_priority": by_priority,
        }

    return Families({key: figures(key, row) for key, row in found.items()}, figures(-1, nothing))


def resolved_at_first_contact() -> Q:
    """Resolved without any exchange: at most one public message in the whole conversation (the
    answer), never waiting for the customer, never reassigned, never reopened. The services keep
    these facts on the ticket row (``vigie.servicedesk.conversation``)."""
    return Q(reopen_count=0, reassignment_count=0, public_message_count__lte=1, waited_for_customer=False)


def _resolutions(tickets: TicketQuerySet, kpi_filter: KpiFilter, per: str | None) -> Families:
    """Everything measured on the tickets resolved in the period."""
    rows = tickets.filter(resolved_at__gte=kpi_filter.start, resolved_at__lt=kpi_filter.end)
    calendar = Seconds(F("resolved_at") - F("created_at"))
    business = Case(
        When(sla__resolution_state__in=MEASURED_STATES, then=F("sla__resolution_elapsed_seconds")), output_field=FloatField()
    )
    aggregates = {
        "resolved": Count("pk"),
        "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
        "reassignments_mean": Avg("reassignment_count"),
        "first_contact": Count("pk", filter=resolved_at_first_contact()),
        **stats_aggregates("calendar", calendar),
        **stats_aggregates("business", business),
        **_compliance_aggregates("resolution", "sla__resolution_met"),
    }
    found, nothing = _aggregate(rows, per, aggregates)
    durations = _durations(rows, per, calendar, business)

    def figures(key: Key, row: dict[str, Any]) -> dict[str, Any]:
        calendar_stats, business_stats = _stats(row, key, durations)
        compliance, by_priority = _compliance_from(row, "resolution")
        resolved = row["resolved"]
        return {
            "resolved": resolved,
            "calendar": calendar_stats,
            "business": business_stats,
            "reopened": Compliance(met=row["reopened"], total=resolved),
            "first_contact": Compliance(met=row["first_contact"], total=resolved),
            "reassignments_mean": float(row["reassignments_mean"]) if resolved else None,
            "compliance": compliance,
            "compliance_by_priority": by_priority,
        }

    return Families({key: figures(key, row) for key, row in found.items()}, figures(-1, nothing))


def open_at(moment: datetime) -> Q:
    """Tickets open at ``moment`` (among those created before it), from their current dates: still
    open now, or finished (resolved, or closed/cancelled without a resolution) at or after it."""
    return Q(status__in=OPEN_STATUSES) | Q(resolved_at__gte=moment) | Q(resolved_at__isnull=True, closed_at__gte=moment)


def _backlog(tickets: TicketQuerySet, as_of: datetime, per: str | None, *, current: bool) -> Families:
    """Open at ``as_of``; when that is now (``current``), simply the tickets open now."""
    rows = tickets.filter(created_at__lt=as_of).filter(Q(status__in=OPEN_STATUSES) if current else open_at(as_of))
    aggregates: dict[str, Any] = {"backlog": Count("pk")}
    for name, from_days, to_days in AGE_BUCKETS:
        # Age from_days ≤ age < to_days, i.e. created in (as_of − to_days, as_of − from_days].
        condition = Q(created_at__lte=as_of - timedelta(days=from_days))
        if to_days is not None:
            condition &= Q(created_at__gt=as_of - timedelta(days=to_days))
        aggregates[name] = Count("pk", filter=condition)
    aggregates["mean_age"] = Avg(Seconds(Value(as_of, output_field=DateTimeField()) - F("created_at")))
    found, nothing = _aggregate(rows, per, aggregates)

    def figures(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "count": row["backlog"],
            "buckets": {name: row[name] for name, _from, _to in AGE_BUCKETS},
            "mean_age": float(row["mean_age"]) if row["backlog"] else None,
        }

    return Families({key: figures(row) for key, row in found.items()}, figures(nothing))


def _satisfaction(tickets: TicketQuerySet, kpi_filter: KpiFilter, per: str | None) -> Families:
    """Ratings answered in the period on the tickets in scope; withdrawn surveys never count."""
    surveys = SatisfactionSurvey.objects.answered().filter(
        ticket__in=tickets.values("pk"), answered_at__gte=kpi_filter.start, answered_at__lt=kpi_filter.end
    )
    aggregates = {"answered": Count("pk"), "satisfied": Count("pk", filter=Q(rating__gte=SATISFIED_FROM)), "mean": Avg("rating")}
    found, nothing = _aggregate(surveys.order_by(), f"ticket__{per}" if per else None, aggregates)

    def figures(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "csat": Compliance(met=row["satisfied"], total=row["answered"]),
            "mean": float(row["mean"]) if row["answered"] else None,
        }

    return Families({key: figures(row) for key, row in found.items()}, figures(nothing))
