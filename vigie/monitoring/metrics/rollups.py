"""Downsampling: hourly rollups from raw samples, daily rollups from hourly ones (count, minimum,
maximum, sum: an average stays exact across levels). Recomputing a bucket gives the same row, so
every step can run again safely; expired rows are deleted in batches."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncHour

from vigie.monitoring.metrics.policy import DAILY_DAYS, HOURLY_DAYS, day_start, hour_start, raw_days
from vigie.monitoring.models import MetricResolution, MetricRollup, MetricSample

UNIQUE = ["configuration_item", "name", "resolution", "bucket_start"]
UPDATED = ["count", "minimum", "maximum", "total"]
DELETE_BATCH = 5000


def _upsert(rows: Iterable[MetricRollup]) -> int:
    batch = list(rows)
    if batch:
        MetricRollup.objects.bulk_create(
            batch, batch_size=1000, update_conflicts=True, unique_fields=UNIQUE, update_fields=UPDATED
        )
    return len(batch)


def _narrowed(rows: QuerySet[Any], item_ids: Iterable[int] | None, names: Iterable[str] | None) -> QuerySet[Any]:
    if item_ids is not None:
        rows = rows.filter(configuration_item_id__in=list(item_ids))
    if names is not None:
        rows = rows.filter(name__in=list(names))
    return rows


def _store_groups(groups: QuerySet[Any], resolution: str) -> int:
    """Upsert one rollup of ``resolution`` per (CI, metric, bucket) group."""
    return _upsert(
        MetricRollup(
            configuration_item_id=group["configuration_item_id"],
            name=group["name"],
            resolution=resolution,
            bucket_start=group["bucket"],
            count=group["n"],
            minimum=group["low"],
            maximum=group["high"],
            total=group["total_value"],
        )
        for group in groups.iterator(chunk_size=2000)
    )


def roll_up_hours(
    start: datetime, end: datetime, *, item_ids: Iterable[int] | None = None, names: Iterable[str] | None = None
) -> int:
    """(Re)compute the hourly rollups of the hours in [start, end) from the raw samples."""
    samples = _narrowed(MetricSample.objects.filter(at__gte=hour_start(start), at__lt=hour_start(end)), item_ids, names)
    groups = (
        samples.annotate(bucket=TruncHour("at", tzinfo=UTC))
        .values("configuration_item_id", "name", "bucket")
        .annotate(n=Count("id"), low=Min("value"), high=Max("value"), total_value=Sum("value"))
        .order_by()
    )
    return _store_groups(groups, MetricResolution.HOUR)


def roll_up_days(
    start: datetime, end: datetime, *, item_ids: Iterable[int] | None = None, names: Iterable[str] | None = None
) -> int:
    """(Re)compute the daily rollups of the days in [start, end) from the hourly rollups."""
    hourly = _narrowed(
        MetricRollup.objects.filter(
            resolution=MetricResolution.HOUR, bucket_start__gte=day_start(start), bucket_start__lt=day_start(end)
        ),
        item_ids,
        names,
    )
    groups = (
        hourly.annotate(bucket=TruncDay("bucket_start", tzinfo=UTC))
        .values("configuration_item_id", "name", "bucket")
        .annotate(n=Sum("count"), low=Min("minimum"), high=Max("maximum"), total_value=Sum("total"))
        .order_by()
    )
    return _store_groups(groups, MetricResolution.DAY)


def _delete_in_batches(model: type[models.Model], condition: models.Q) -> int:
    """Delete the matching rows, a batch at a time (short transactions, no row loaded)."""
    table = connection.ops.quote_name(model._meta.db_table)
    deleted = 0
    while True:
        ids = list(model._default_manager.filter(condition).values_list("pk", flat=True)[:DELETE_BATCH])
        if not ids:
            return deleted
        with transaction.atomic(), connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({placeholders})", ids)  # noqa: S608 - our own table name
        deleted += len(ids)


def expire(now: datetime) -> dict[str, int]:
    """Delete raw samples, hourly and daily rollups past their retention."""
    return {
        "raw": _delete_in_batches(MetricSample, models.Q(at__lt=now - timedelta(days=raw_days()))),
        "hourly": _delete_in_batches(
            MetricRollup, models.Q(resolution=MetricResolution.HOUR, bucket_start__lt=now - timedelta(days=HOURLY_DAYS))
        ),
        "daily": _delete_in_batches(
            MetricRollup, models.Q(resolution=MetricResolution.DAY, bucket_start__lt=now - timedelta(days=DAILY_DAYS))
        ),
    }


def maintain(now: datetime, *, lookback_hours: int = 3) -> dict[str, int]:
    """The periodic work: roll up the last closed hours and the last closed day, then expire.
    Samples that arrive later than that (a queued agent) are rolled up when they are stored."""
    closed_hour = hour_start(now)
    closed_day = day_start(now)
    result = {
        "hours": roll_up_hours(closed_hour - timedelta(hours=lookback_hours), closed_hour),
        "days": roll_up_days(closed_day - timedelta(days=1), closed_day),
    }
    result.update(expire(now))
    return result
