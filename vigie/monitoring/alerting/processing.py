"""Following up an alert after its change of state was recorded: maintenance, flapping,
incident rules, notifications. Runs in the worker after commit (``tasks.follow_up_alerts``),
never inside the intake request.

``follow_up(alert_id)`` locks the alert row, looks at what the alert is now and what was already
done for its current firing or recovery (its events, its incident, its deliveries), does the
rest, then clears ``needs_processing_since`` — only if no newer change arrived meanwhile. A
task run twice, or retried after a worker died half-way (the transaction rolled back), does each
thing once: the row lock serialises concurrent runs and every step checks before it acts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from vigie.monitoring.alerting import flapping, incidents, maintenance
from vigie.monitoring.alerting.policy import policy_for
from vigie.monitoring.models import Alert, AlertEvent, AlertEventKind, AlertStatus

logger = logging.getLogger(__name__)

# A change left unprocessed this long lost its task (queue flushed, worker down): the sweep takes it.
SWEEP_AFTER = timedelta(minutes=2)


def now() -> datetime:
    return timezone.now()


def mark(alert: Alert, at: datetime | None = None) -> None:
    """Called by ``record_signals`` before it saves a changed alert: follow-up needed."""
    if alert.needs_processing_since is None:
        alert.needs_processing_since = at or timezone.now()


def wants_follow_up(alert: Alert, kind: str) -> bool:
    """Which recorded events need the worker: a change of state, or a repeat on an alert with
    an incident (to add to it)."""
    return kind in (AlertEventKind.FIRED, AlertEventKind.RESOLVED) or (
        kind == AlertEventKind.REPEATED and alert.ticket_id is not None
    )


def schedule(alert_ids: Iterable[int]) -> None:
    """Queue the follow-up of these alerts once the current transaction commits."""
    ids = sorted(set(alert_ids))
    if not ids:
        return

    def enqueue() -> None:
        from vigie.monitoring.alerting.tasks import follow_up_alerts

        try:
            follow_up_alerts(ids)
        except Exception:
            # The alerts are stored and flagged: the periodic sweep will follow them up.
            logger.exception("Could not queue the follow-up of alerts %s", ids)

    transaction.on_commit(enqueue)


def _silence(alert: Alert, now: datetime) -> bool:
    """Apply maintenance to a locked firing alert; True while it stays silenced."""
    window = maintenance.active_window(alert, now)
    if window is not None:
        if not alert.is_silenced:
            alert.is_silenced = True
            alert.save(update_fields=["is_silenced", "updated_at"])
            AlertEvent.objects.create(
                alert=alert, at=now, kind=AlertEventKind.SILENCED, message=window.name[:500], details={"window": window.pk}
            )
        return True
    if alert.is_silenced:
        alert.is_silenced = False
        alert.save(update_fields=["is_silenced", "updated_at"])
    return False


def follow_up(alert_id: int, now: datetime | None = None) -> None:
    from vigie.monitoring.notify import planning

    now = now or timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().select_related("organization").filter(pk=alert_id).first()
        if alert is None:
            return
        stamp = alert.needs_processing_since
        policy = policy_for(alert.organization_id)
        if alert.status == AlertStatus.FIRING:
            if not _silence(alert, now):
                if flapping.starts_flapping(alert, policy, now):
                    planning.plan_flapping(alert, now)
                elif not alert.is_flapping:
                    incidents.on_firing(alert, policy, now)
                    planning.plan_state(alert, now)
        else:
            if alert.is_silenced:
                alert.is_silenced = False  # recovered during the window: nothing to tell
                alert.save(update_fields=["is_silenced", "updated_at"])
            elif flapping.starts_flapping(alert, policy, now):
                planning.plan_flapping(alert, now)
            elif not alert.is_flapping:
                incidents.on_recovery(alert, policy, now)
                planning.plan_state(alert, now)
        if stamp is not None:
            Alert.objects.filter(pk=alert.pk, needs_processing_since=stamp).update(needs_processing_since=None)


def follow_up_many(alert_ids: Sequence[int]) -> None:
    for alert_id in alert_ids:
        try:
            follow_up(alert_id)
        except Exception:
            # Left flagged: the sweep retries it; the others still go ahead.
            logger.exception("Follow-up of alert %s failed", alert_id)


def overdue_alert_ids(now: datetime | None = None) -> list[int]:
    """Alerts whose follow-up never ran (or failed): flagged for longer than ``SWEEP_AFTER``."""
    limit = (now or timezone.now()) - SWEEP_AFTER
    return list(
        Alert.objects.filter(needs_processing_since__lt=limit)
        .order_by("needs_processing_since")
        .values_list("pk", flat=True)[:500]
    )


def maintenance_ended(now: datetime | None = None) -> list[int]:
    """Silenced alerts still firing whose window has closed: they act now (returns their ids)."""
    now = now or timezone.now()
    released: list[int] = []
    for alert in Alert.objects.filter(is_silenced=True).select_related("organization").order_by("pk")[:1000]:
        if maintenance.active_window(alert, now) is None:
            Alert.objects.filter(pk=alert.pk, needs_processing_since__isnull=True).update(needs_processing_since=now)
            released.append(alert.pk)
    return released


def settle_flapping(now: datetime | None = None) -> list[int]:
    """Flapping alerts that kept one state for a whole window become stable (returns their ids)."""
    now = now or timezone.now()
    settled: list[int] = []
    for alert_id in flapping.flapping_alert_ids():
        with transaction.atomic():
            alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
            if alert is not None and flapping.settles(alert, policy_for(alert.organization_id), now):
                settled.append(alert.pk)
    return settled
