"""Flapping: an alert that keeps firing and recovering is one problem, not many.

More than ``flapping_changes`` state changes (fired or resolved) within
``flapping_window_minutes`` mark the alert flapping (event FLAPPING): no incident, no
notification per change, one "flapping" notification. It is stable again (event STABLE) once
it has stayed in one state for a whole window; a periodic task looks, then the alert is
followed up in the state it settled in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max

from vigie.monitoring.models import Alert, AlertEvent, AlertEventKind, AlertPolicy

STATE_CHANGES = (AlertEventKind.FIRED, AlertEventKind.RESOLVED)


def changes_within(alert: Alert, since: datetime) -> int:
    return AlertEvent.objects.filter(alert=alert, kind__in=STATE_CHANGES, at__gte=since).count()


def last_change_at(alert: Alert) -> datetime | None:
    value = AlertEvent.objects.filter(alert=alert, kind__in=STATE_CHANGES).aggregate(last=Max("at"))["last"]
    return value if isinstance(value, datetime) else None


def starts_flapping(alert: Alert, policy: AlertPolicy, now: datetime) -> bool:
    """Mark a locked alert flapping if its recent changes say so; True when it just started."""
    if alert.is_flapping or policy.flapping_changes <= 0:
        return False
    reference = max(now, alert.last_seen_at)
    count = changes_within(alert, reference - timedelta(minutes=policy.flapping_window_minutes))
    if count <= policy.flapping_changes:
        return False
    alert.is_flapping = True
    alert.save(update_fields=["is_flapping", "updated_at"])
    AlertEvent.objects.create(
        alert=alert,
        at=now,
        kind=AlertEventKind.FLAPPING,
        details={"changes": count, "window_minutes": policy.flapping_window_minutes},
    )
    return True


def settles(alert: Alert, policy: AlertPolicy, now: datetime) -> bool:
    """Mark a locked flapping alert stable once it kept one state for a whole window."""
    if not alert.is_flapping:
        return False
    last = last_change_at(alert)
    if last is not None and last > now - timedelta(minutes=policy.flapping_window_minutes):
        return False
    alert.is_flapping = False
    alert.needs_processing_since = alert.needs_processing_since or now
    alert.save(update_fields=["is_flapping", "needs_processing_since", "updated_at"])
    AlertEvent.objects.create(alert=alert, at=now, kind=AlertEventKind.STABLE, details={"status": alert.status})
    return True


def flapping_alert_ids() -> list[int]:
    return list(Alert.objects.filter(is_flapping=True).order_by("pk").values_list("pk", flat=True)[:1000])
