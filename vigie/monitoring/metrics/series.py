"""The points a graph reads: raw samples for short spans, hourly or daily rollups for longer ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vigie.monitoring.metrics.policy import HOURLY_SPAN, RAW_SPAN
from vigie.monitoring.models import MetricResolution, MetricRollup, MetricSample


@dataclass(frozen=True)
class Point:
    at: datetime
    average: float
    minimum: float
    maximum: float


def resolution_for(start: datetime, end: datetime) -> str:
    """ "raw" up to two days, "hour" up to 90 days, "day" beyond."""
    span = end - start
    if span <= RAW_SPAN:
        return "raw"
    if span <= HOURLY_SPAN:
        return MetricResolution.HOUR
    return MetricResolution.DAY


def series(configuration_item_id: int, name: str, start: datetime, end: datetime) -> list[Point]:
    """Points of one metric of one CI between ``start`` and ``end``, oldest first."""
    resolution = resolution_for(start, end)
    if resolution == "raw":
        samples = MetricSample.objects.filter(
            configuration_item_id=configuration_item_id, name=name, at__gte=start, at__lt=end
        ).order_by("at")
        return [Point(at, value, value, value) for at, value in samples.values_list("at", "value")]
    rollups = MetricRollup.objects.filter(
        configuration_item_id=configuration_item_id,
        name=name,
        resolution=resolution,
        bucket_start__gte=start,
        bucket_start__lt=end,
    ).order_by("bucket_start")
    return [
        Point(bucket, total / count if count else 0.0, low, high)
        for bucket, count, low, high, total in rollups.values_list("bucket_start", "count", "minimum", "maximum", "total")
    ]


def metric_names(configuration_item_id: int) -> list[str]:
    names = set(MetricSample.objects.filter(configuration_item_id=configuration_item_id).values_list("name", flat=True))
    names |= set(MetricRollup.objects.filter(configuration_item_id=configuration_item_id).values_list("name", flat=True))
    return sorted(names)
