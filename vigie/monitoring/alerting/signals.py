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

from vigie.monitoring.alerting import processing
from vigie.monitoring.models import Alert, AlertEvent, AlertEventKind, AlertSeverity, AlertStatus

MAX_KEY = 255
MAX_SUMMARY = 300


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
        for signal in signals:
            alert = _apply(signal)
            if alert is not None:
                touched[alert.pk] = alert
        # Maintenance, flapping, incidents and notifications: in the worker, after commit.
        processing.schedule(pk for pk, alert in touched.items() if alert.needs_processing_since is not None)
    return list(touched.values())


def _apply(signal: Signal) -> Alert | None:
    key = signal.dedup_key[:MAX_KEY]
    alert = Alert.objects.select_for_update().filter(organization_id=signal.organization_id, dedup_key=key).first()
    if alert is None:
        if not signal.firing:
            return None
        alert = Alert.objects.create(
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
        AlertEvent.objects.create(alert=alert, at=signal.at, kind=AlertEventKind.FIRED, message=alert.summary[:500])
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
        alert.save()
        AlertEvent.objects.create(alert=alert, at=signal.at, kind=AlertEventKind.FIRED if refired else AlertEventKind.REPEATED)
        return alert
    if alert.status == AlertStatus.RESOLVED:
        return alert
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = signal.at
    alert.last_seen_at = max(alert.last_seen_at, signal.at)
    processing.mark(alert)
    alert.save()
    AlertEvent.objects.create(alert=alert, at=signal.at, kind=AlertEventKind.RESOLVED)
    return alert
