"""Several real ``vigie probe`` processes share the checks: every due run happens exactly once.

Three processes run 300 checks (TCP and HTTP, every 1 or 2 seconds) against servers on loopback
for a few rounds, all on the same database. One of them is frozen then killed (-9) while it holds
claims: the other two take those runs over once the lease expires. From the results, for every
check: no scheduled slot ran twice, the slots form an unbroken sequence from the first due time
(none skipped), and the check's next run is the slot after the last one recorded.

Written for PostgreSQL (``SELECT ... FOR UPDATE SKIP LOCKED``); on SQLite it runs the same way
on a file copy of the test database (three processes, serialised writers), and holds too.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import World
from tests.test_monitoring_probes_support import Server, wait_for
from vigie.monitoring.models import Check, CheckKind, ProbePolicy

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = 300
RUN_BEFORE_KILL = 5.0
SLACK = 30  # seconds a busy machine may leave the fleet behind schedule at the end
RUN_AFTER_KILL = 10.0  # more than the lease (VIGIE_PROBE_LEASE_SECONDS + the run budget): takeover happens


@pytest.fixture
def web() -> Iterator[Server]:
    server = Server()
    yield server
    server.close()


class Database:
    """Reads the shared database as the probe processes see it (PostgreSQL, or a SQLite file)."""

    def __init__(self, tmp_path: Path) -> None:
        self.sqlite_file: Path | None = None
        settings = connection.settings_dict
        if connection.vendor == "sqlite":
            self.sqlite_file = tmp_path / "shared.sqlite3"
            with connection.cursor() as cursor:
                cursor.execute("VACUUM INTO %s", [str(self.sqlite_file)])
            self.url = f"sqlite:///{self.sqlite_file}"
        else:
            password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
            host = f"{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}"
            self.url = f"postgres://{settings['USER']}{password}@{host}/{settings['NAME']}"

    def execute(self, sql: str, params: tuple[Any, ...]) -> None:
        if self.sqlite_file is not None:
            values = tuple(connection.ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else v for v in params)
            with sqlite3.connect(self.sqlite_file, timeout=30) as db:
                db.execute(sql.replace("%s", "?"), values)
            return
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite_file is not None:
            with sqlite3.connect(self.sqlite_file, timeout=30) as db:
                return list(db.execute(sql.replace("%s", "?"), params).fetchall())
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())


def moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def details(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def start_probe(name: str, database: Database, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VIGIE_DATABASE_URL": database.url,
        "VIGIE_PROBE_LEASE_SECONDS": "2",
        "DJANGO_SETTINGS_MODULE": "vigie.settings",
    }
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "vigie.cli", "probe", "--name", name, "--concurrency", "200", "--grace", "5"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_three_probe_processes_share_the_work_exactly_once(world: World, web: Server, tmp_path: Path) -> None:
    ProbePolicy.objects.create(organization=world.client_a, allowed_networks="127.0.0.0/8")
    Check.objects.bulk_create(
        [
            Check(
                organization=world.client_a,
                name=f"check {number}",
                kind=CheckKind.TCP if number % 2 else CheckKind.HTTP,
                target="127.0.0.1" if number % 2 else f"{web.url}/ok",
                port=web.port if number % 2 else None,
                interval_seconds=1 + number % 3 // 2,  # 1 or 2 seconds
                timeout_seconds=1.0,
                retries=0,
                next_run_at=None,  # not due until the three processes are up
            )
            for number in range(CHECKS)
        ]
    )
    intervals = dict(Check.objects.values_list("id", "interval_seconds"))
    database = Database(tmp_path)
    names = ["probe-1", "probe-2", "probe-3"]
    processes = {name: start_probe(name, database, tmp_path) for name in names}
    try:
        wait_for(lambda: all("probe-" in (tmp_path / f"{name}.log").read_text() for name in names), timeout=60)
        first_due = (timezone.now() + timedelta(seconds=2)).replace(microsecond=0)
        database.execute("UPDATE monitoring_check SET next_run_at = %s", (first_due,))
        # Every process works.
        wait_for(
            lambda: {row[0] for row in database.rows("SELECT DISTINCT probe_name FROM monitoring_proberesult")} == set(names),
            timeout=60,
        )
        time.sleep(RUN_BEFORE_KILL)
        victim = processes["probe-3"]
        marker = f"%:{victim.pid}:%"

        def victim_claims() -> list[tuple[Any, ...]]:
            victim.send_signal(signal.SIGCONT)
            time.sleep(0.05)
            victim.send_signal(signal.SIGSTOP)  # frozen: it writes nothing more, its claims stand still
            return database.rows("SELECT id, next_run_at FROM monitoring_check WHERE claimed_by LIKE %s", (marker,))

        victim.send_signal(signal.SIGSTOP)
        held = wait_for(victim_claims, timeout=30, interval=0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        killed_at = timezone.now()
        time.sleep(RUN_AFTER_KILL)
        ended_at = timezone.now()
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    assert processes["probe-1"].returncode == 0 and processes["probe-2"].returncode == 0

    slots: dict[int, list[datetime]] = defaultdict(list)
    runner: dict[tuple[int, datetime], str] = {}
    # A run may fail (the loopback server is busy with three probes at once): it still ran once.
    for check_id, probe_name, detail in database.rows("SELECT probe_check_id, probe_name, details FROM monitoring_proberesult"):
        scheduled = moment(details(detail)["scheduled_at"])
        slots[check_id].append(scheduled)
        runner[(check_id, scheduled)] = probe_name
    assert set(slots) == set(intervals), "a check never ran"
    next_runs = {row[0]: moment(row[1]) for row in database.rows("SELECT id, next_run_at FROM monitoring_check")}
    for check_id, times in slots.items():
        interval = timedelta(seconds=intervals[check_id])
        ordered = sorted(times)
        assert len(ordered) == len(set(ordered)), f"check {check_id}: a slot ran twice"
        assert ordered[0] == first_due, f"check {check_id}: the first slot was skipped"
        gaps = [later - earlier for earlier, later in pairwise(ordered)]
        assert all(gap == interval for gap in gaps), f"check {check_id}: a slot was skipped ({gaps})"
        assert next_runs[check_id] == ordered[-1] + interval, f"check {check_id}: the next slot is not the one after the last run"
        # The fleet went on to the end (the slots the killed process held waited for its lease,
        # 2 s + the run's budget of 3 s; how close it keeps up depends on the machine's load).
        assert ordered[-1] >= ended_at - timedelta(seconds=SLACK), f"check {check_id} fell behind"
    # The killed process's claims were taken over by the others, for the very slot it held.
    assert held
    for check_id, next_run_at in held:
        slot = moment(next_run_at)
        assert runner.get((check_id, slot)) in {"probe-1", "probe-2"}, f"check {check_id}: slot {slot} not taken over"
    assert all(
        moment(at) < killed_at
        for at in [row[0] for row in database.rows("SELECT at FROM monitoring_proberesult WHERE probe_name = %s", ("probe-3",))]
    )
    total = sum(len(times) for times in slots.values())
    expected_minimum = sum((ended_at - first_due).total_seconds() // intervals[c] - SLACK for c in intervals)
    assert total >= expected_minimum
