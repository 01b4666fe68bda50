"""The metric storage bench (issue #5): does a year of 5-minute metrics for 2,000 machines fit
the disk with retention and downsampling?

``.venv/bin/python -m bench.metrics_bench`` uses its own PostgreSQL database,
``vigie_bench_metrics``, and in one run:

* ingests one day of reports of a slice of machines through ``store_samples`` (one report = the
  machine's metrics at one instant, as the agent intake stores them) and, as the baseline, the
  same number of rows with COPY;
* fills the rest of the steady state of that slice: raw samples over the raw window (8 days),
  hourly rollups over 90 days, daily rollups over two years;
* times the periodic maintenance (roll up one closed hour and one closed day, expire);
* measures bytes per row with ``pg_total_relation_size`` (table + indexes + TOAST) for raw samples
  and rollups, extrapolates to 2,000 machines and compares with keeping every raw sample a
  year (the naive baseline), and with the free space of the database's disk.

Writes bench/results/metrics.json and metrics.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.database import conninfo_for, ensure_database

REPO = Path(__file__).resolve().parent.parent
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vigie_bench_metrics"
MACHINES = 2_000
SLICE = 20
METRICS = (
    "disk.used_percent:/",
    "disk.used_percent:/var",
    "memory.used_percent",
    "swap.used_percent",
    "cpu.percent",
    "load.1",
    "load.5",
    "load.15",
    "net.rx_bytes",
    "net.tx_bytes",
)
STEP = timedelta(minutes=5)
PER_DAY = 288
NOW = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)


def log(message: str) -> None:
    print(f"[metrics-bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def value_of(machine: int, metric: int, index: int) -> float:
    """Plausible, not constant: a slow drift plus a daily wave, two decimals."""
    return round(20 + (machine * 7 + metric * 13) % 50 + 15 * ((index % PER_DAY) / PER_DAY) + (index % 7) * 0.37, 2)


def copy_rows(conninfo: str, table: str, columns: tuple[str, ...], rows: Any) -> int:
    import psycopg

    count = 0
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        conn.commit()
    return count


def relation_size(conninfo: str, table: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {table}")
        total, heap, rows = conn.execute(
            f"SELECT pg_total_relation_size(%s), pg_relation_size(%s), (SELECT count(*) FROM {table})", [table, table]
        ).fetchone()
    return {"total_bytes": int(total), "table_bytes": int(heap), "index_bytes": int(total) - int(heap), "rows": int(rows)}


def human(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(size) < 1024 or unit == "TB":
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def run(
    *, database_url: str = DATABASE_URL, machines: int = MACHINES, slice_size: int = SLICE, output_dir: Path | None = None
) -> dict[str, Any]:
    data_dir = REPO / "var" / "bench-metrics"
    data_dir.mkdir(parents=True, exist_ok=True)
    for key in [k for k in os.environ if k.startswith("VIGIE_") and not k.startswith("VIGIE_BENCH_")]:
        del os.environ[key]
    os.environ.update({"VIGIE_DATABASE_URL": database_url, "VIGIE_DATA_DIR": str(data_dir), "VIGIE_LANGUAGE": "en"})
    os.environ["DJANGO_SETTINGS_MODULE"] = "vigie.settings"
    ensure_database(database_url, log)
    conninfo = conninfo_for(database_url)
    import django

    django.setup()
    import psycopg
    from django.core.management import call_command

    from vigie.cmdb.models import CIClass, ConfigurationItem
    from vigie.monitoring.metrics.policy import DAILY_DAYS, HOURLY_DAYS, raw_days
    from vigie.monitoring.metrics.rollups import expire, roll_up_days, roll_up_hours
    from vigie.monitoring.metrics.store import store_samples
    from vigie.monitoring.models import MetricSample
    from vigie.tenancy.models import Organization

    call_command("migrate", verbosity=0, interactive=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("TRUNCATE monitoring_metricsample, monitoring_metricrollup")
        postgres = conn.execute("SHOW server_version").fetchone()[0]
        data_directory = conn.execute("SHOW data_directory").fetchone()[0]
    client, _created = Organization.objects.get_or_create(slug="bench-metrics", defaults={"name": "Bench metrics"})
    items = [
        ConfigurationItem.objects.get_or_create(organization=client, ci_class=CIClass.SERVER, name=f"bench-{index:04d}")[0].pk
        for index in range(slice_size)
    ]
    keep_days = raw_days()
    results: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "postgres": postgres,
        "policy": {"raw_days": keep_days, "hourly_days": HOURLY_DAYS, "daily_days": DAILY_DAYS, "step_minutes": 5},
        "slice": {"machines": slice_size, "metrics_per_machine": len(METRICS)},
        "target_machines": machines,
    }

    # 1. Ingest: the newest day of the raw window, one report (10 samples) at a time, as the intake does.
    first_raw = NOW - timedelta(days=keep_days)
    ingest_start = NOW - timedelta(days=1)
    log(f"ingesting one day of reports for {slice_size} machines through store_samples")
    started = time.perf_counter()
    reports = 0
    for step in range(PER_DAY):
        at = ingest_start + step * STEP
        index = (at - first_raw) // STEP
        for machine, item in enumerate(items):
            store_samples(item, [(name, at, value_of(machine, metric, index)) for metric, name in enumerate(METRICS)], now=at)
            reports += 1
    ingest_seconds = time.perf_counter() - started
    ingested = reports * len(METRICS)
    # The same reports again change nothing (idempotent on CI, name, time).
    at = ingest_start
    for machine, item in enumerate(items):
        store_samples(item, [(name, at, value_of(machine, metric, 0)) for metric, name in enumerate(METRICS)], now=at)
    assert MetricSample.objects.count() == ingested
    # Baseline: the older raw days with COPY (no ORM, no conflict handling).
    log("copying the rest of the raw window (baseline: COPY)")

    def raw_rows():
        for step in range((keep_days - 1) * PER_DAY):
            at = first_raw + step * STEP
            for machine, item in enumerate(items):
                for metric, name in enumerate(METRICS):
                    yield (item, name, at, value_of(machine, metric, step))

    started = time.perf_counter()
    copied = copy_rows(conninfo, "monitoring_metricsample", ("configuration_item_id", "name", "at", "value"), raw_rows())
    copy_seconds = time.perf_counter() - started
    ingest_rate = ingested / ingest_seconds
    copy_rate = copied / copy_seconds
    results["ingest"] = {
        "reports": reports,
        "samples": ingested,
        "seconds": round(ingest_seconds, 2),
        "samples_per_second": round(ingest_rate),
        "reports_per_second": round(reports / ingest_seconds),
        "baseline_copy_samples_per_second": round(copy_rate),
        "ratio_to_copy": round(ingest_rate / copy_rate, 3),
        # 2,000 machines × 10 metrics every 5 minutes.
        "needed_samples_per_second": round(machines * len(METRICS) / 300, 1),
    }
    log(f"ingest: {ingest_rate:,.0f} samples/s through store_samples, COPY {copy_rate:,.0f}/s")

    # 2. Rollups: the slice's 90 days of hourly rows and two years of daily rows.
    log("copying hourly (90 days) and daily (2 years) rollups")

    def rollup_rows(resolution: str, step: timedelta, count: int, samples: int):
        for bucket in range(count):
            start = NOW - (bucket + 1) * step
            for machine, item in enumerate(items):
                for metric, name in enumerate(METRICS):
                    low = value_of(machine, metric, bucket)
                    yield (item, name, resolution, start, samples, low, low + 12.5, round((low + 6.25) * samples, 2))

    columns = ("configuration_item_id", "name", "resolution", "bucket_start", "count", "minimum", "maximum", "total")
    hourly = copy_rows(
        conninfo, "monitoring_metricrollup", columns, rollup_rows("hour", timedelta(hours=1), HOURLY_DAYS * 24, 12)
    )
    daily = copy_rows(conninfo, "monitoring_metricrollup", columns, rollup_rows("day", timedelta(days=1), DAILY_DAYS, PER_DAY))

    # 3. Maintenance: one closed hour and one closed day recomputed for the slice, then expiry.
    started = time.perf_counter()
    hour_rows = roll_up_hours(NOW - timedelta(hours=1), NOW)
    hour_seconds = time.perf_counter() - started
    started = time.perf_counter()
    day_rows = roll_up_days(NOW - timedelta(days=1), NOW)
    day_seconds = time.perf_counter() - started
    started = time.perf_counter()
    expired = expire(NOW + timedelta(minutes=5))  # the oldest raw step, hourly and daily bucket fall out
    expire_seconds = time.perf_counter() - started
    scale = machines / slice_size
    results["maintenance"] = {
        "hour_rollup_rows": hour_rows,
        "hour_rollup_seconds": round(hour_seconds, 3),
        "day_rollup_rows": day_rows,
        "day_rollup_seconds": round(day_seconds, 3),
        "expired": expired,
        "expire_seconds": round(expire_seconds, 3),
        "extrapolated_hourly_run_seconds": round((hour_seconds + expire_seconds) * scale + day_seconds * scale / 24, 1),
    }

    # 4. Sizes.
    raw = relation_size(conninfo, "monitoring_metricsample")
    rollup = relation_size(conninfo, "monitoring_metricrollup")
    raw_per_row = raw["total_bytes"] / raw["rows"]
    rollup_per_row = rollup["total_bytes"] / rollup["rows"]
    per_machine_metric = {"raw": keep_days * PER_DAY, "hourly": HOURLY_DAYS * 24, "daily": DAILY_DAYS}
    series_count = machines * len(METRICS)
    steady = {
        "raw_rows": series_count * per_machine_metric["raw"],
        "hourly_rows": series_count * per_machine_metric["hourly"],
        "daily_rows": series_count * per_machine_metric["daily"],
    }
    steady_bytes = steady["raw_rows"] * raw_per_row + (steady["hourly_rows"] + steady["daily_rows"]) * rollup_per_row
    naive_rows = series_count * PER_DAY * 365
    naive_bytes = naive_rows * raw_per_row
    disk = shutil.disk_usage(data_directory if Path(data_directory).exists() else "/")
    results["storage"] = {
        "measured": {"raw": raw, "rollups": rollup, "hourly_rows": hourly, "daily_rows": daily},
        "bytes_per_raw_row": round(raw_per_row, 1),
        "bytes_per_rollup_row": round(rollup_per_row, 1),
        "steady_state_rows": steady,
        "steady_state_bytes": round(steady_bytes),
        "naive_rows": naive_rows,
        "naive_bytes": round(naive_bytes),
        "ratio_naive_to_steady": round(naive_bytes / steady_bytes, 1),
        "disk": {"path": data_directory, "free_bytes": disk.free, "total_bytes": disk.total},
        "fits_disk": steady_bytes < disk.free,
        "naive_fits_disk": naive_bytes < disk.free,
        "share_of_free_space": round(steady_bytes / disk.free, 4),
    }
    log(f"steady state for {machines} machines: {human(steady_bytes)} (naive {human(naive_bytes)}); free {human(disk.free)}")
    json_path, md_path = write(results, output_dir or REPO / "bench" / "results")
    log(f"written {json_path.relative_to(REPO)} and {md_path.relative_to(REPO)}")
    return results


def write(results: dict[str, Any], output_dir: Path) -> tuple[Path, Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    json_path = output_dir / "metrics.json"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    storage, ingest, upkeep = results["storage"], results["ingest"], results["maintenance"]
    steady = storage["steady_state_rows"]
    policy = results["policy"]
    machines = results["target_machines"]
    lines = [
        "# Metric storage bench",
        "",
        f"Run {results['at']}, PostgreSQL {results['postgres']}. Slice measured: {results['slice']['machines']} machines × "
        f"{results['slice']['metrics_per_machine']} metrics; extrapolated to {machines:,} machines. Policy: raw 5-minute samples "
        f"{policy['raw_days']} days, hourly rollups {policy['hourly_days']} days, daily rollups {policy['daily_days']} days.",
        "",
        "## Storage (tables + indexes, pg_total_relation_size)",
        "",
        "| | rows | bytes/row | size |",
        "|---|---|---|---|",
        f"| raw samples ({policy['raw_days']} days) | {steady['raw_rows']:,} | {storage['bytes_per_raw_row']} | {human(steady['raw_rows'] * storage['bytes_per_raw_row'])} |",
        f"| hourly rollups (90 days) | {steady['hourly_rows']:,} | {storage['bytes_per_rollup_row']} | {human(steady['hourly_rows'] * storage['bytes_per_rollup_row'])} |",
        f"| daily rollups (2 years) | {steady['daily_rows']:,} | {storage['bytes_per_rollup_row']} | {human(steady['daily_rows'] * storage['bytes_per_rollup_row'])} |",
        f"| **steady state** | {sum(steady.values()):,} | | **{human(storage['steady_state_bytes'])}** |",
        f"| baseline: every raw sample kept a year | {storage['naive_rows']:,} | {storage['bytes_per_raw_row']} | {human(storage['naive_bytes'])} |",
        "",
        f"Baseline ÷ steady state: **{storage['ratio_naive_to_steady']}×** smaller with retention and downsampling. "
        f"Free space on the database's disk ({storage['disk']['path']}): {human(storage['disk']['free_bytes'])} — the steady state "
        f"{'fits' if storage['fits_disk'] else 'does NOT fit'} ({storage['share_of_free_space'] * 100:.1f} % of it); the naive "
        f"year {'would fit' if storage['naive_fits_disk'] else 'would not fit'}.",
        "",
        "## Ingest and upkeep",
        "",
        "| measure | value |",
        "|---|---|",
        f"| store_samples, one report of 10 samples per call | {ingest['samples_per_second']:,} samples/s ({ingest['reports_per_second']:,} reports/s) |",
        f"| baseline: COPY | {ingest['baseline_copy_samples_per_second']:,} samples/s (store_samples = {ingest['ratio_to_copy']}× COPY) |",
        f"| needed for {machines:,} machines every 5 minutes | {ingest['needed_samples_per_second']} samples/s |",
        f"| hourly rollup of one closed hour (slice) | {upkeep['hour_rollup_seconds']} s for {upkeep['hour_rollup_rows']:,} rows |",
        f"| daily rollup of one closed day (slice) | {upkeep['day_rollup_seconds']} s for {upkeep['day_rollup_rows']:,} rows |",
        f"| expiry (slice) | {upkeep['expire_seconds']} s, {upkeep['expired']} |",
        f"| hourly maintenance extrapolated to {machines:,} machines | {upkeep['extrapolated_hourly_run_seconds']} s per run |",
        "",
    ]
    md_path = output_dir / "metrics.md"
    md_path.write_text("\n".join(lines))
    return json_path, md_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=os.environ.get("VIGIE_BENCH_METRICS_DATABASE_URL", DATABASE_URL))
    parser.add_argument("--machines", type=int, default=MACHINES)
    parser.add_argument("--slice", type=int, default=SLICE)
    args = parser.parse_args(argv)
    run(database_url=args.database_url, machines=args.machines, slice_size=args.slice)


if __name__ == "__main__":
    main()
