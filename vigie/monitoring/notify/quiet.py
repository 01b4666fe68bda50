"""Quiet hours of a channel: a daily local-time range (it may cross midnight) in the channel's
time zone during which only critical alerts (if the channel says so) are sent; the rest is held
and sent when the quiet hours end."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from vigie.monitoring.models import AlertSeverity, NotificationChannel


def zone_of(channel: NotificationChannel) -> ZoneInfo:
    try:
        return ZoneInfo(channel.quiet_hours_timezone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _inside(start: time, end: time, moment: time) -> bool:
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # crosses midnight (or start == end: all day)


def quiet_until(channel: NotificationChannel, now: datetime) -> datetime | None:
    """When the channel's current quiet hours end, or None when it is not in quiet hours."""
    start, end = channel.quiet_hours_start, channel.quiet_hours_end
    if start is None or end is None:
        return None
    zone = zone_of(channel)
    local = now.astimezone(zone)
    if not _inside(start, end, local.time().replace(tzinfo=None)):
        return None
    day = local.date()
    for offset in (0, 1):
        candidate = datetime.combine(day + timedelta(days=offset), end).replace(tzinfo=zone)
        if candidate > now:
            return candidate
    return datetime.combine(day + timedelta(days=2), end).replace(tzinfo=zone)


def held_until(channel: NotificationChannel, severity: str, now: datetime) -> datetime | None:
    """When a notification of ``severity`` may go out, if it must wait for the end of quiet hours."""
    if severity == AlertSeverity.CRITICAL and channel.critical_during_quiet_hours:
        return None
    return quiet_until(channel, now)
