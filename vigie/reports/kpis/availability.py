"""Availability of business services, from the outages recorded on incidents.

An incident linked to a service (``Ticket.service``) with ``outage_started_at`` records an outage
until ``outage_ended_at`` (still going on if empty). Per service, the outages are clipped to the
period, overlapping ones merged (two incidents about the same outage do not count it twice), and

    availability = 1 − outage seconds / period seconds

in calendar time. The period ends at ``as_of`` (the end of the period, or now if it has not
ended), and an outage still going on counts until then.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q

from vigie.catalog.models import BusinessService
from vigie.reports.kpis.contract import Availability, KpiFilter, elapsed_seconds
from vigie.servicedesk.models import TicketQuerySet, TicketStatus
from vigie.tenancy.access import access_for

Interval = tuple[datetime, datetime]


def merged_seconds(intervals: list[Interval]) -> int:
    """Seconds covered by the union of ``intervals`` (aware date-times)."""
    total = timedelta(0)
    current: Interval | None = None
    for start, end in sorted((s.astimezone(UTC), e.astimezone(UTC)) for s, e in intervals):
        if end <= start:
            continue
        if current is None or start > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        total += current[1] - current[0]
    return int(total / timedelta(seconds=1))


def availability_of(user: Any, tickets: TicketQuerySet, kpi_filter: KpiFilter, as_of: datetime) -> list[Availability]:
    """One ``Availability`` per business service in scope: the active services of the client
    companies the user sees whole (narrowed by the filter), and any service with an outage
    among the tickets in scope. Two queries."""
    start = kpi_filter.start.astimezone(UTC)
    horizon = max(start, as_of.astimezone(UTC))
    outages: dict[int, list[Interval]] = defaultdict(list)
    rows = (
        tickets.exclude(status=TicketStatus.CANCELLED)
        .filter(service__isnull=False, outage_started_at__isnull=False, outage_started_at__lt=horizon)
        .filter(Q(outage_ended_at__isnull=True) | Q(outage_ended_at__gt=start))
        .values_list("service_id", "outage_started_at", "outage_ended_at")
    )
    for service_id, started, ended in rows:
        assert service_id is not None and started is not None  # filtered above
        clipped = (max(started, start), min(ended or horizon, horizon))
        if clipped[1] > clipped[0]:
            outages[service_id].append(clipped)
    services = BusinessService.objects.filter(Q(pk__in=list(outages)) | _listed_services(user, kpi_filter))
    period = elapsed_seconds(start, horizon)
    return [
        Availability(
            service_id=service_id,
            service_name=name,
            organization_id=organization_id,
            outage_seconds=merged_seconds(outages.get(service_id, [])),
            period_seconds=period,
            incidents=len(outages.get(service_id, [])),
        )
        for service_id, name, organization_id in services.values_list("pk", "name", "organization_id")
    ]


def _listed_services(user: Any, kpi_filter: KpiFilter) -> Q:
    """The services listed even without an outage: those of the companies whose every ticket the
    user sees (a requester, who sees only their own tickets, gets only services with an outage)."""
    organizations = set(access_for(user).company_wide_client_ids)
    if kpi_filter.organization_ids is not None:
        organizations &= kpi_filter.organization_ids
    listed = Q(is_active=True, organization_id__in=organizations)
    if kpi_filter.service_id is not None:
        listed &= Q(pk=kpi_filter.service_id)
    return listed
