"""The points a graph reads: raw samples for short spans, hourly or daily rollups for longer ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vigie.monitoring.models import MetricSample


@dataclass(frozen=True)
class Point:
    at: datetime
    average: float
    minimum: float
    maximum: float


def series(configuration_item_id: int, name: str, start: datetime, end: datetime) -> list[Point]:
    """Points of one metric of one CI between ``start`` and ``end``, oldest first."""
    samples = MetricSample.objects.filter(
        configuration_item_id=configuration_item_id, name=name, at__gte=start, at__lt=end
    ).order_by("at")
    return [Point(at, value, value, value) for at, value in samples.values_list("at", "value")]


def metric_names(configuration_item_id: int) -> list[str]:
    return sorted(set(MetricSample.objects.filter(configuration_item_id=configuration_item_id).values_list("name", flat=True)))
