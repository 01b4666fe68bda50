"""When a heartbeat is expected: after a period, or at the next time of a cron expression read in
the check's time zone (DST-safe through cronsim), then a grace period before it is down.

A run that starts (``/start``) but never ends is down one grace period after its start, as in
Healthchecks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from cronsim import CronSim

from vigie.monitoring.models import ScheduleKind


class Scheduled(Protocol):
    schedule_kind: str
    period_seconds: int
    cron_expression: str
    schedule_timezone: str
    grace_seconds: int


def next_expected(check: Scheduled, after: datetime) -> datetime:
    """The next time a ping is due after ``after`` (an aware datetime), in UTC."""
    if check.schedule_kind == ScheduleKind.CRON and check.cron_expression:
        local = after.astimezone(ZoneInfo(check.schedule_timezone))
        upcoming = next(CronSim(check.cron_expression, local))
        return upcoming.astimezone(UTC)
    return after + timedelta(seconds=check.period_seconds)


def deadlines(check: Scheduled, last_ping_at: datetime) -> tuple[datetime, datetime]:
    """(late_at, down_at) after a ping received at ``last_ping_at``."""
    late_at = next_expected(check, last_ping_at)
    return late_at, late_at + timedelta(seconds=check.grace_seconds)
