"""Storing metric samples: one bulk insert, idempotent on (CI, name, time). Samples of hours that
are already closed (a report that waited in an agent's queue) update their rollups at once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from vigie.monitoring.metrics.policy import day_start, hour_start, raw_days
from vigie.monitoring.metrics.rollups import roll_up_days, roll_up_hours
from vigie.monitoring.models import MetricSample


def store_samples(item_id: int, samples: Iterable[tuple[str, datetime, float]], *, now: datetime) -> int:
    """Store ``(name, at, value)`` samples of one CI; returns how many were offered in the raw
    window (older ones, past retention, are ignored; a repeated one changes nothing)."""
    oldest = now - timedelta(days=raw_days())
    rows = [
        MetricSample(configuration_item_id=item_id, name=name[:100], at=at, value=value)
        for name, at, value in samples
        if oldest <= at <= now + timedelta(minutes=10)
    ]
    if not rows:
        return 0
    MetricSample.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    current_hour = hour_start(now)
    late = [row for row in rows if row.at < current_hour]
    if late:
        names = {row.name for row in late}
        first = min(row.at for row in late)
        roll_up_hours(first, current_hour, item_ids=[item_id], names=names)
        current_day = day_start(now)
        if first < current_day:
            roll_up_days(first, current_day, item_ids=[item_id], names=names)
    return len(rows)
