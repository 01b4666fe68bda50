"""Applying one delivery: everything or nothing, in one transaction, answered after commit.

Replays change nothing. An alert remembers when it was last seen, when it fired and when it
was resolved; a signal is applied only if it is news:

- a firing signal is ignored when the alert is firing and was already seen at or after the
  signal's time (a retry, or Alertmanager re-sending a still-firing alert with its unchanged
  ``startsAt``), or when the alert was resolved at or after that time (a late copy of an older
  firing);
- a resolving signal is ignored when the alert is unknown or already resolved, or when it is
  older than the current firing (a late copy of an older recovery).

So an exact replay of a delivery leaves every alert, count and event as it was; a sender that
gives no time (the generic webhook without ``at``) is stamped with the time of receipt, and each
of its deliveries then counts as a new occurrence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from vigie.catalog.models import BusinessService
from vigie.cmdb.models import ConfigurationItem
from vigie.monitoring.alerting.signals import MAX_KEY, Signal, record_signals
from vigie.monitoring.intake.parsing import Draft
from vigie.monitoring.models import Alert, AlertStatus, IntakeSource

logger = logging.getLogger(__name__)
ATTEMPTS = 4  # concurrent first deliveries of one key: the loser retries and finds the alert


@dataclass(frozen=True)
class DeliveryResult:
    received: int
    applied: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return {"received": self.received, "applied": self.applied, "unchanged": self.unchanged}


@dataclass
class _Seen:
    status: str
    last_seen_at: datetime
    fired_at: datetime | None
    resolved_at: datetime | None


def _is_news(draft: Draft, at: datetime, seen: _Seen | None) -> bool:
    if draft.firing:
        if seen is None:
            return True
        if seen.status == AlertStatus.FIRING:
            return at > seen.last_seen_at
        return seen.resolved_at is None or at > seen.resolved_at
    if seen is None or seen.status == AlertStatus.RESOLVED:
        return False
    return seen.fired_at is None or at >= seen.fired_at


def _follow(seen: _Seen | None, draft: Draft, at: datetime) -> _Seen:
    """The state after applying ``draft`` (for a key repeated within one delivery)."""
    if draft.firing:
        refired = seen is None or seen.status == AlertStatus.RESOLVED
        last = at if seen is None else max(seen.last_seen_at, at)
        return _Seen(AlertStatus.FIRING, last, at if refired else seen.fired_at if seen else at, None)
    assert seen is not None
    return _Seen(AlertStatus.RESOLVED, max(seen.last_seen_at, at), seen.fired_at, at)


def _configuration_items(organization_id: int, drafts: list[Draft]) -> dict[str, int]:
    names = {name for draft in drafts for name in draft.ci_names}
    if not names:
        return {}
    found: dict[str, int] = {}
    rows = (
        ConfigurationItem.objects.filter(organization_id=organization_id)
        .annotate(lowered=Lower("name"))
        .filter(lowered__in=names)
        .order_by("pk")
        .values_list("lowered", "pk")
    )
    for lowered, pk in rows:
        found.setdefault(lowered, pk)
    return found


def _services(organization_id: int, drafts: list[Draft]) -> dict[str, int]:
    references = {draft.service_ref.strip().lower() for draft in drafts if draft.service_ref.strip()}
    if not references:
        return {}
    ids = {int(reference) for reference in references if reference.isdigit()}
    services = BusinessService.objects.filter(organization_id=organization_id).annotate(lowered=Lower("name"))
    found: dict[str, int] = {}
    for lowered, pk in services.filter(lowered__in=references).order_by("pk").values_list("lowered", "pk"):
        found.setdefault(lowered, pk)
    for pk in services.filter(pk__in=ids).values_list("pk", flat=True):
        found[str(pk)] = pk
    return found


def _apply(source: IntakeSource, drafts: list[Draft], now: datetime) -> DeliveryResult:
    organization_id = source.organization_id
    keys = sorted({draft.dedup_key[:MAX_KEY] for draft in drafts})
    states: dict[str, _Seen | None] = dict.fromkeys(keys)
    if keys:
        # Locked in key order: concurrent deliveries touching the same alerts queue up, never deadlock.
        rows = (
            Alert.objects.select_for_update()
            .filter(organization_id=organization_id, dedup_key__in=keys)
            .order_by("dedup_key")
            .values_list("dedup_key", "status", "last_seen_at", "fired_at", "resolved_at")
        )
        for key, status, last_seen_at, fired_at, resolved_at in rows:
            states[key] = _Seen(status, last_seen_at, fired_at, resolved_at)
    news: list[tuple[Draft, datetime]] = []
    for draft in drafts:
        key = draft.dedup_key[:MAX_KEY]
        at = draft.at or now
        if _is_news(draft, at, states[key]):
            news.append((draft, at))
            states[key] = _follow(states[key], draft, at)
    if news:
        items = _configuration_items(organization_id, [draft for draft, _at in news])
        services = _services(organization_id, [draft for draft, _at in news])
        record_signals(
            [
                Signal(
                    organization_id=organization_id,
                    dedup_key=draft.dedup_key,
                    firing=draft.firing,
                    at=at,
                    source_kind=source.kind,
                    summary=draft.summary,
                    severity=draft.severity,
                    description=draft.description,
                    labels=draft.labels,
                    intake_source_id=source.pk,
                    configuration_item_id=next((items[name] for name in draft.ci_names if name in items), None),
                    service_id=services.get(draft.service_ref.strip().lower()) if draft.service_ref else None,
                )
                for draft, at in news
            ]
        )
    IntakeSource.objects.filter(pk=source.pk).update(last_received_at=now, received_count=F("received_count") + 1)
    return DeliveryResult(received=len(drafts), applied=len(news), unchanged=len(drafts) - len(news))


def deliver(source: IntakeSource, drafts: list[Draft]) -> DeliveryResult:
    """Apply a parsed delivery of ``source`` in one transaction; returns once committed."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _apply(source, drafts, timezone.now())
        except (IntegrityError, OperationalError) as error:
            # A concurrent delivery created the same alert first, or the database chose this
            # transaction as a deadlock victim: nothing was written; try again.
            if attempt == ATTEMPTS:
                raise
            logger.info("intake delivery of source %s retried after %s", source.pk, error)
    raise AssertionError("unreachable")
