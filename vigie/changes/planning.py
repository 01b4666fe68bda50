"""Conflicts and freezes: what a change's window collides with.

- A **freeze** applies to a change when a provider-wide freeze period or one of its client overlaps
  the planned window. Scheduling is then refused unless a change manager overrides it (recorded).
- Two changes **conflict** when their windows overlap and they touch the same business service or
  the same configuration item. Both are flagged (a warning: scheduling stays possible). Only
  changes whose window is booked count (submitted to implementing: ``ACTIVE_STATUSES``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from vigie.changes.models import ACTIVE_STATUSES, Change, FreezePeriod


@dataclass
class Conflict:
    other: Change
    services: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


def freezes_for(change: Change) -> list[FreezePeriod]:
    if change.planned_start is None or change.planned_end is None:
        return []
    return list(
        FreezePeriod.objects.applying_to(change.organization_id)
        .overlapping(change.planned_start, change.planned_end)
        .select_related("organization")
    )


def _item_ids(change: Change) -> set[int]:
    return set(change.configuration_items.values_list("pk", flat=True))


def conflicts_for(change: Change, *, among: Iterable[Change] | None = None) -> list[Conflict]:
    """The other booked changes of the same client that overlap and share a service or an item."""
    if change.planned_start is None or change.planned_end is None:
        return []
    service_ids = set(change.services.values_list("pk", flat=True))
    item_ids = _item_ids(change)
    if not service_ids and not item_ids:
        return []
    shared = Q(services__in=service_ids)
    if item_ids:
        shared |= Q(configuration_items__in=item_ids)
    others = (
        Change.objects.filter(organization_id=change.organization_id, status__in=ACTIVE_STATUSES)
        .exclude(pk=change.pk)
        .overlapping(change.planned_start, change.planned_end)
        .filter(shared)
        .distinct()
        .prefetch_related("services")
    )
    found = []
    for other in others:
        conflict = Conflict(other)
        conflict.services = sorted(s.name for s in other.services.all() if s.pk in service_ids)
        if item_ids:
            conflict.items = sorted(str(item) for item in other.configuration_items.filter(pk__in=item_ids))
        found.append(conflict)
    return found


def conflicting_ids(changes: Iterable[Change]) -> set[int]:
    """Of these changes, those in conflict with another booked change (for lists and the calendar)."""
    return {change.pk for change in changes if change.status in ACTIVE_STATUSES and conflicts_for(change)}
