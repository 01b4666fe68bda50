"""Signals in, deduplicated alerts out.

A signal says "this key of this client is firing (or has recovered) now". One alert exists per
(client, deduplication key): a repeated firing signal bumps its count and last-seen time, a
recovery resolves it, a firing signal on a resolved alert fires it again. The caller's
transaction covers the writes; follow-up work (incidents, notifications) starts on commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from vigie.monitoring.alerting import processing
from vigie.monitoring.models import Alert, AlertEvent, AlertEventKind, AlertSeverity, AlertStatus

MAX_KEY = 255
MAX_SUMMARY = 300
# What applying a signal may change on an existing alert (written in one statement per batch).
UPDATED_FIELDS = [
    "status",
    "severity",
    "summary",
    "description",
    "labels",
    "last_seen_at",
    "occurrences",
    "fired_at",
    "resolved_at",
    "needs_processing_since",
    "updated_at",
]


@dataclass(frozen=True)
class Signal:
    organization_id: int
    dedup_key: str
    firing: bool
    at: datetime
    source_kind: str
    summary: str = ""
    severity: str = AlertSeverity.CRITICAL
    description: str = ""
    labels: dict[str, Any] = field(default_factory=dict)
    intake_source_id: int | None = None
    check_id: int | None = None
    configuration_item_id: int | None = None
    service_id: int | None = None


def record_signal(signal: Signal) -> Alert | None:
    alerts = record_signals([signal])
    return alerts[0] if alerts else None


def record_signals(signals: Sequence[Signal]) -> list[Alert]:
    """Apply signals in order; returns the alerts touched (a recovery of an unknown key is ignored)."""
    touched: dict[int, Alert] = {}
    with transaction.atomic():
        # Batch efficiency: the batch's alerts are read and locked in one query (in key order,
        # so that concurrent batches never deadlock); the new alerts, the changed alerts and
        # the events are then written with one statement each.
        known = _locked_alerts(signals)
        events: list[AlertEvent] = []
        for signal in signals:
            alert = _apply(signal, known, events)
            if alert is not None:
                touched[id(alert)] = alert
        created = [alert for alert in touched.values() if alert.pk is None]
        changed = [alert for alert in touched.values() if alert.pk is not None]
        Alert.objects.bulk_create(created)
        if changed:
            now = timezone.now()
            for alert in changed:
                alert.updated_at = now  # bulk_update does not apply auto_now
            Alert.objects.bulk_update(changed, UPDATED_FIELDS)
        AlertEvent.objects.bulk_create(events)
        # Maintenance, flapping, incidents and notifications: in the worker, after commit.
        processing.schedule(alert.pk for alert in touched.values() if alert.needs_processing_since is not None)
    return list(touched.values())


def _locked_alerts(signals: Sequence[Signal]) -> dict[tuple[int, str], Alert]:
    keys_by_client: dict[int, set[str]] = {}
    for signal in signals:
        keys_by_client.setdefault(signal.organization_id, set()).add(signal.dedup_key[:MAX_KEY])
    known: dict[tuple[int, str], Alert] = {}
    for organization_id, keys in sorted(keys_by_client.items()):
        for alert in (
            Alert.objects.select_for_update()
            .filter(organization_id=organization_id, dedup_key__in=sorted(keys))
            .order_by("dedup_key")
        ):
            known[(organization_id, alert.dedup_key)] = alert
    return known


def _apply(signal: Signal, known: dict[tuple[int, str], Alert], events: list[AlertEvent]) -> Alert | None:
    key = signal.dedup_key[:MAX_KEY]
    alert = known.get((signal.organization_id, key))
    if alert is None:
        if not signal.firing:
            return None
        alert = Alert(
            organization_id=signal.organization_id,
            dedup_key=key,
            source_kind=signal.source_kind,
            intake_source_id=signal.intake_source_id,
            source_check_id=signal.check_id,
            configuration_item_id=signal.configuration_item_id,
            service_id=signal.service_id,
            severity=signal.severity,
            status=AlertStatus.FIRING,
            summary=(signal.summary or key)[:MAX_SUMMARY],
            description=signal.description,
            labels=signal.labels,
            first_seen_at=signal.at,
            last_seen_at=signal.at,
            fired_at=signal.at,
            needs_processing_since=processing.now(),
        )
        known[(signal.organization_id, key)] = alert
        events.append(AlertEvent(alert=alert, at=signal.at, kind=AlertEventKind.FIRED, message=alert.summary[:500]))
        return alert
    if signal.firing:
        refired = alert.status == AlertStatus.RESOLVED
        alert.status = AlertStatus.FIRING
        alert.severity = signal.severity
        alert.summary = (signal.summary or alert.summary)[:MAX_SUMMARY]
        alert.description = signal.description or alert.description
        alert.labels = signal.labels or alert.labels
        alert.last_seen_at = max(alert.last_seen_at, signal.at)
        alert.occurrences += 1
        if refired:
            alert.fired_at = signal.at
            alert.resolved_at = None
        if processing.wants_follow_up(alert, AlertEventKind.FIRED if refired else AlertEventKind.REPEATED):
            processing.mark(alert)
        events.append(AlertEvent(alert=alert, at=signal.at, kind=AlertEventKind.FIRED if refired else AlertEventKind.REPEATED))
        return alert
    if alert.status == AlertStatus.RESOLVED:
        return alert
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = signal.at
    alert.last_seen_at = max(alert.last_seen_at, signal.at)
    processing.mark(alert)
    events.append(AlertEvent(alert=alert, at=signal.at, kind=AlertEventKind.RESOLVED))
    return alert
