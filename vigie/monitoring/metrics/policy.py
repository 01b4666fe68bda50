"""The retention policy of machine metrics: raw samples for a few days (``VIGIE_METRICS_RAW_DAYS``,
8 by default), hourly rollups for 90 days, daily rollups for two years."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings

HOURLY_DAYS = 90
DAILY_DAYS = 730
# Graphs read raw samples up to this span, hourly rollups up to HOURLY_DAYS, daily beyond.
RAW_SPAN = timedelta(days=2)
HOURLY_SPAN = timedelta(days=HOURLY_DAYS)


def raw_days() -> int:
    return int(getattr(settings, "VIGIE_METRICS_RAW_DAYS", 8))


def hour_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
