"""Metric storage: idempotent samples, hourly and daily rollups (also for late samples),
retention in batches, and the resolution ``series()`` picks for a span. Time is frozen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from vigie.cmdb.models import CIClass, ConfigurationItem
from vigie.monitoring.metrics import rollups
from vigie.monitoring.metrics.rollups import expire, maintain, roll_up_days, roll_up_hours
from vigie.monitoring.metrics.series import metric_names, resolution_for, series
from vigie.monitoring.metrics.store import store_samples
from vigie.monitoring.models import MetricResolution, MetricRollup, MetricSample

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 14, 20, tzinfo=UTC)


@pytest.fixture
def item(world):
    return ConfigurationItem.objects.create(organization=world.client_a, name="srv-fichiers", ci_class=CIClass.SERVER)


def five_minutes(start: datetime, count: int, value=lambda index: float(index)):
    return [("memory.used_percent", start + timedelta(minutes=5 * index), value(index)) for index in range(count)]


def hourly(item, name="memory.used_percent"):
    return {
        row.bucket_start: (row.count, row.minimum, row.maximum, row.total)
        for row in MetricRollup.objects.filter(configuration_item=item, name=name, resolution=MetricResolution.HOUR)
    }


@time_machine.travel(NOW, tick=False)
def test_samples_are_stored_once(item):
    samples = five_minutes(NOW - timedelta(minutes=15), 3)
    assert store_samples(item.pk, samples, now=NOW) == 3
    store_samples(item.pk, samples, now=NOW)
    assert MetricSample.objects.count() == 3
    # Past the raw retention or from the future: ignored.
    assert store_samples(item.pk, [("cpu.percent", NOW - timedelta(days=9), 1.0)], now=NOW) == 0
    assert store_samples(item.pk, [("cpu.percent", NOW + timedelta(hours=1), 1.0)], now=NOW) == 0
    assert MetricSample.objects.count() == 3


def test_closed_hours_are_rolled_up_idempotently(item):
    start = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    with time_machine.travel(start + timedelta(hours=3, minutes=1), tick=False):
        # Three full hours (12 samples each, values 0..35) and the open hour, not rolled up yet.
        store_samples(item.pk, five_minutes(start, 37), now=start + timedelta(hours=3))
        MetricRollup.objects.all().delete()  # as if no late sample had triggered anything
        first = maintain(start + timedelta(hours=3, minutes=1))
        assert first["hours"] == 3
        rows = hourly(item)
        assert rows == {
            start: (12, 0.0, 11.0, float(sum(range(12)))),
            start + timedelta(hours=1): (12, 12.0, 23.0, float(sum(range(12, 24)))),
            start + timedelta(hours=2): (12, 24.0, 35.0, float(sum(range(24, 36)))),
        }
        maintain(start + timedelta(hours=3, minutes=1))
        assert hourly(item) == rows
        assert MetricRollup.objects.filter(resolution=MetricResolution.HOUR).count() == 3


def test_days_roll_up_from_hours_when_they_close(item):
    day = datetime(2026, 3, 9, tzinfo=UTC)
    with time_machine.travel(day + timedelta(hours=23, minutes=59), tick=False):
        store_samples(
            item.pk, five_minutes(day, 288, value=lambda index: 10.0 + index % 12), now=day + timedelta(hours=23, minutes=59)
        )
    roll_up_hours(day, day + timedelta(days=1))
    assert roll_up_days(day, day + timedelta(days=1)) == 1
    daily = MetricRollup.objects.get(resolution=MetricResolution.DAY)
    assert (daily.bucket_start, daily.count, daily.minimum, daily.maximum) == (day, 288, 10.0, 21.0)
    assert daily.average == pytest.approx(15.5)
    with time_machine.travel(day + timedelta(days=1, hours=1, minutes=7), tick=False):
        maintain(day + timedelta(days=1, hours=1, minutes=7))
    assert MetricRollup.objects.filter(resolution=MetricResolution.DAY).count() == 1  # recomputed, not duplicated
    assert MetricRollup.objects.get(resolution=MetricResolution.DAY).count == 288


def test_late_samples_update_the_rollups_of_closed_hours_and_days(item):
    day = datetime(2026, 3, 9, tzinfo=UTC)
    with time_machine.travel(day + timedelta(days=1, hours=5), tick=False):
        now = day + timedelta(days=1, hours=5)
        maintain(now)
        assert MetricRollup.objects.count() == 0
        # A queued agent delivers yesterday evening's samples now.
        store_samples(item.pk, five_minutes(day + timedelta(hours=20), 12, value=lambda index: 50.0), now=now)
        assert hourly(item) == {day + timedelta(hours=20): (12, 50.0, 50.0, 600.0)}
        daily = MetricRollup.objects.get(resolution=MetricResolution.DAY)
        assert (daily.bucket_start, daily.count, daily.total) == (day, 12, 600.0)


def test_retention_deletes_expired_rows_in_batches(item, settings, monkeypatch):
    settings.VIGIE_METRICS_RAW_DAYS = 2
    monkeypatch.setattr(rollups, "DELETE_BATCH", 7)
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    MetricSample.objects.bulk_create(
        [
            MetricSample(configuration_item=item, name="load.1", at=now - timedelta(days=2, hours=1, minutes=index), value=1)
            for index in range(20)
        ]
        + [MetricSample(configuration_item=item, name="load.1", at=now - timedelta(days=1), value=1)]
    )

    def rollup(resolution, age):
        return MetricRollup(
            configuration_item=item,
            name="load.1",
            resolution=resolution,
            bucket_start=now - age,
            count=1,
            minimum=1,
            maximum=1,
            total=1,
        )

    MetricRollup.objects.bulk_create(
        [
            rollup(MetricResolution.HOUR, timedelta(days=91)),
            rollup(MetricResolution.HOUR, timedelta(days=89)),
            rollup(MetricResolution.DAY, timedelta(days=731)),
            rollup(MetricResolution.DAY, timedelta(days=729)),
        ]
    )
    assert expire(now) == {"raw": 20, "hourly": 1, "daily": 1}
    assert MetricSample.objects.count() == 1
    assert sorted(MetricRollup.objects.values_list("resolution", flat=True)) == ["day", "hour"]
    assert expire(now) == {"raw": 0, "hourly": 0, "daily": 0}


def test_series_reads_raw_hourly_or_daily_by_span(item):
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert resolution_for(now - timedelta(days=2), now) == "raw"
    assert resolution_for(now - timedelta(days=3), now) == MetricResolution.HOUR
    assert resolution_for(now - timedelta(days=90), now) == MetricResolution.HOUR
    assert resolution_for(now - timedelta(days=365), now) == MetricResolution.DAY
    MetricSample.objects.create(configuration_item=item, name="cpu.percent", at=now - timedelta(hours=1), value=30)
    MetricRollup.objects.create(
        configuration_item=item,
        name="cpu.percent",
        resolution=MetricResolution.HOUR,
        bucket_start=now - timedelta(days=5),
        count=12,
        minimum=5,
        maximum=80,
        total=240,
    )
    MetricRollup.objects.create(
        configuration_item=item,
        name="cpu.percent",
        resolution=MetricResolution.DAY,
        bucket_start=now - timedelta(days=200),
        count=288,
        minimum=1,
        maximum=99,
        total=2880,
    )
    raw = series(item.pk, "cpu.percent", now - timedelta(days=1), now)
    assert [(point.average, point.minimum, point.maximum) for point in raw] == [(30.0, 30.0, 30.0)]
    hours = series(item.pk, "cpu.percent", now - timedelta(days=30), now)
    assert [(point.at, point.average, point.minimum, point.maximum) for point in hours] == [
        (now - timedelta(days=5), 20.0, 5.0, 80.0)
    ]
    days = series(item.pk, "cpu.percent", now - timedelta(days=365), now)
    assert [(point.average, point.maximum) for point in days] == [(10.0, 99.0)]
    assert metric_names(item.pk) == ["cpu.percent"]


def test_the_periodic_task_runs_the_maintenance(item):
    from vigie.monitoring.metrics.tasks import maintain_metrics

    start = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    with time_machine.travel(start + timedelta(minutes=55), tick=False):
        store_samples(item.pk, five_minutes(start, 12), now=start + timedelta(minutes=55))
    with time_machine.travel(start + timedelta(hours=1, minutes=7), tick=False):
        maintain_metrics()  # Huey runs it inline in tests
    assert hourly(item) == {start: (12, 0.0, 11.0, 66.0)}
