"""Which channel is told what: ``NotificationDelivery`` rows, one per (channel, alert, event).

Event keys name the moment they are about, so a retried follow-up never creates a second row:
``fired:<epoch of fired_at>``, ``resolved:<epoch of resolved_at>``, ``flapping:<epoch>``,
``escalation:<epoch of fired_at>:<channel it escalates from>``.

- a firing alert (not silenced, not flapping) is told to every active channel of its client
  whose lowest severity it reaches;
- its recovery is told to the channels that were told of that firing (directly or by escalation);
  a firing still held for quiet hours when the alert recovers is dropped with nothing sent;
- a flapping alert is told once;
- escalation: when a channel has ``escalate_after_minutes`` and an ``escalation_channel``, an
  alert still firing and not acknowledged that long after it fired is told to that channel.

Deliveries are sent after commit (``tasks.send_deliveries``); those held for quiet hours wait
(``deferred``) until the quiet hours of their channel end, then each goes out on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from vigie.monitoring.alerting.policy import at_least
from vigie.monitoring.models import (
    Alert,
    AlertStatus,
    DeliveryStatus,
    NotificationChannel,
    NotificationDelivery,
)
from vigie.monitoring.notify.quiet import held_until

FIRED, RESOLVED, FLAPPING, ESCALATION = "fired", "resolved", "flapping", "escalation"


def stamp(moment: datetime | None) -> str:
    return str(int(moment.timestamp())) if moment else "0"


def fired_key(alert: Alert) -> str:
    return f"{FIRED}:{stamp(alert.fired_at or alert.first_seen_at)}"


def escalation_key(alert: Alert, source: NotificationChannel) -> str:
    return f"{ESCALATION}:{stamp(alert.fired_at or alert.first_seen_at)}:{source.pk}"


def _create(channel: NotificationChannel, alert: Alert, key: str, now: datetime) -> NotificationDelivery | None:
    hold = held_until(channel, alert.severity, now)
    try:
        with transaction.atomic():
            return NotificationDelivery.objects.create(
                channel=channel,
                alert=alert,
                event_key=key,
                status=DeliveryStatus.DEFERRED if hold else DeliveryStatus.PENDING,
                next_attempt_at=hold,
            )
    except IntegrityError:
        return None  # planned already


def _after_commit(deliveries: list[NotificationDelivery]) -> None:
    ids = [d.pk for d in deliveries if d.status == DeliveryStatus.PENDING]
    if ids:
        from vigie.monitoring.notify.tasks import queue_deliveries

        transaction.on_commit(lambda: queue_deliveries(ids))


def channels_for(alert: Alert) -> list[NotificationChannel]:
    return [
        channel
        for channel in NotificationChannel.objects.filter(organization_id=alert.organization_id, is_active=True).order_by("pk")
        if at_least(alert.severity, channel.min_severity)
    ]


def plan_state(alert: Alert, now: datetime) -> list[NotificationDelivery]:
    """Deliveries for the alert's current firing or recovery (locked alert, after the incident rules)."""
    created: list[NotificationDelivery] = []
    if alert.status == AlertStatus.FIRING:
        for channel in channels_for(alert):
            delivery = _create(channel, alert, fired_key(alert), now)
            if delivery is not None:
                created.append(delivery)
    else:
        key = f"{RESOLVED}:{stamp(alert.resolved_at)}"
        told = NotificationDelivery.objects.filter(alert=alert).filter(
            Q(event_key=fired_key(alert)) | Q(event_key__startswith=f"{ESCALATION}:{stamp(alert.fired_at)}:")
        )
        for earlier in told.select_related("channel").order_by("pk"):
            if earlier.status == DeliveryStatus.DEFERRED:
                earlier.delete()  # fired and recovered within quiet hours: nothing to tell
                continue
            if not earlier.channel.is_active:
                continue
            delivery = _create(earlier.channel, alert, key, now)
            if delivery is not None:
                created.append(delivery)
    _after_commit(created)
    return created


def plan_flapping(alert: Alert, now: datetime) -> list[NotificationDelivery]:
    created = [d for channel in channels_for(alert) if (d := _create(channel, alert, f"{FLAPPING}:{stamp(now)}", now))]
    _after_commit(created)
    return created


def plan_escalations(now: datetime) -> list[NotificationDelivery]:
    """Escalate alerts still firing and unacknowledged past their channel's delay."""
    candidates = (
        NotificationDelivery.objects.filter(
            event_key__startswith=f"{FIRED}:",
            channel__is_active=True,
            channel__escalate_after_minutes__isnull=False,
            channel__escalation_channel__isnull=False,
            alert__status=AlertStatus.FIRING,
            alert__is_silenced=False,
            alert__is_flapping=False,
        )
        .filter(Q(alert__acknowledged_at__isnull=True) | Q(alert__acknowledged_at__lt=F("alert__fired_at")))
        .select_related("alert", "channel__escalation_channel")
        .order_by("pk")
    )
    created: list[NotificationDelivery] = []
    for delivery in candidates[:1000]:
        alert, channel = delivery.alert, delivery.channel
        target = channel.escalation_channel
        minutes = channel.escalate_after_minutes
        if target is None or minutes is None or not target.is_active or delivery.event_key != fired_key(alert):
            continue
        if (alert.fired_at or alert.first_seen_at) + timedelta(minutes=minutes) > now:
            continue
        escalated = _create(target, alert, escalation_key(alert, channel), now)
        if escalated is not None:
            created.append(escalated)
    _after_commit(created)
    return created
