"""Maintenance windows: when is one open, and which alerts does it cover?

A window is one-off (``starts_at`` → ``ends_at``) or repeats every day, week or month from
``starts_at`` until ``repeat_until`` (a local date, inclusive). Repetitions keep the local wall
time of the first one in the installation's time zone (``TIME_ZONE``, Europe/Paris): a window of
22:00–02:00 is 22:00–02:00 local on both sides of a daylight-saving change, so it lasts one hour
less or more in real time on the nights the clocks move. A monthly window on the 31st falls on
the last day of shorter months.

Scope: the whole client (no CI, no service), one configuration item, or one business service —
which also covers the CIs that support that service (``ServiceComponent``).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from vigie.monitoring.models import Alert, MaintenanceWindow, Recurrence

Target = Alert | tuple[int, int | None, int | None]  # an alert, or (client id, CI id, service id)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _add_months(day: date, months: int, wanted_day: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(wanted_day, calendar.monthrange(year, month)[1]))


def _starts(window: MaintenanceWindow, around: date) -> Iterator[date]:
    """Local dates on which a repetition starts, close enough to ``around`` to cover it."""
    zone = local_zone()
    first = timezone.localtime(window.starts_at, zone).date()
    span_days = (window.ends_at - window.starts_at).days + 1
    if window.recurrence == Recurrence.DAILY:
        for back in range(span_days + 1):
            yield around - timedelta(days=back)
    elif window.recurrence == Recurrence.WEEKLY:
        for back in range(span_days + 7):
            day = around - timedelta(days=back)
            if day.weekday() == first.weekday():
                yield day
    elif window.recurrence == Recurrence.MONTHLY:
        months = (around.year - first.year) * 12 + around.month - first.month
        for offset in (months - 1, months):
            if offset >= 0:
                yield _add_months(first, offset, first.day)


def occurrence_at(window: MaintenanceWindow, at: datetime) -> tuple[datetime, datetime] | None:
    """The (start, end) of the repetition of ``window`` that contains ``at``, if any."""
    if window.recurrence == Recurrence.NONE:
        return (window.starts_at, window.ends_at) if window.starts_at <= at < window.ends_at else None
    # Same-zone aware datetimes compare by wall time, which is wrong in the repeated autumn hour.
    at = at.astimezone(UTC)
    if at < window.starts_at:
        return None
    zone = local_zone()
    local_start = timezone.localtime(window.starts_at, zone)
    wall_duration = timezone.localtime(window.ends_at, zone).replace(tzinfo=None) - local_start.replace(tzinfo=None)
    first_day = local_start.date()
    for day in _starts(window, timezone.localtime(at, zone).date()):
        if day < first_day or (window.repeat_until is not None and day > window.repeat_until):
            continue
        naive_start = datetime.combine(day, local_start.time().replace(tzinfo=None))
        start = naive_start.replace(tzinfo=zone)
        end = (naive_start + wall_duration).replace(tzinfo=zone)
        if start <= at < end:
            return start, end
    return None


def _scope(target: Target) -> tuple[int, int | None, set[int]]:
    if isinstance(target, Alert):
        organization_id, item_id, service_id = target.organization_id, target.configuration_item_id, target.service_id
    else:
        organization_id, item_id, service_id = target
    services = {service_id} if service_id else set()
    if item_id:
        from vigie.cmdb.models import ServiceComponent

        services |= set(ServiceComponent.objects.filter(configuration_item_id=item_id).values_list("service_id", flat=True))
    return organization_id, item_id, services


def candidate_windows(
    organization_id: int, item_id: int | None, service_ids: Iterable[int], at: datetime
) -> QuerySet[MaintenanceWindow]:
    scope = Q(configuration_item__isnull=True, service__isnull=True)
    if item_id:
        scope |= Q(configuration_item_id=item_id)
    services = [pk for pk in service_ids if pk]
    if services:
        scope |= Q(service_id__in=services)
    still_repeating = Q(repeat_until__isnull=True) | Q(
        repeat_until__gte=timezone.localtime(at, local_zone()).date() - timedelta(days=32)
    )
    timing = Q(recurrence=Recurrence.NONE, ends_at__gt=at) | (~Q(recurrence=Recurrence.NONE) & still_repeating)
    return MaintenanceWindow.objects.filter(scope, timing, organization_id=organization_id, starts_at__lte=at).order_by("pk")


def active_window(target: Target, at: datetime | None = None) -> MaintenanceWindow | None:
    """The maintenance window covering ``target`` at ``at`` (now by default), if one is open."""
    at = at or timezone.now()
    organization_id, item_id, services = _scope(target)
    for window in candidate_windows(organization_id, item_id, services, at):
        if occurrence_at(window, at) is not None:
            return window
    return None


def next_occurrences(window: MaintenanceWindow, after: datetime, count: int = 3) -> list[tuple[datetime, datetime]]:
    """The next repetitions starting after ``after`` (for the list page)."""
    if window.recurrence == Recurrence.NONE:
        return [(window.starts_at, window.ends_at)] if window.ends_at > after else []
    found: list[tuple[datetime, datetime]] = []
    probe = max(after, window.starts_at)
    step = {Recurrence.DAILY: 1, Recurrence.WEEKLY: 7, Recurrence.MONTHLY: 28}[Recurrence(window.recurrence)]
    limit = probe + timedelta(days=step * (count + 2) + 31)
    seen: set[datetime] = set()
    while probe < limit and len(found) < count:
        occurrence = occurrence_at(window, probe)
        if occurrence is not None and occurrence[0] not in seen and occurrence[1] > after:
            seen.add(occurrence[0])
            found.append(occurrence)
        probe += timedelta(hours=1)
    return found
