"""Group commit of the common pings (PostgreSQL): the pings that arrive together in one web
process are stored by one statement and one commit.

Each request thread hands its ping to the process's batch writer and waits; the writer takes
every ping waiting (up to ``MAX_BATCH``, one per check), applies them in one statement (the
one-statement path of ``fastpath``, over arrays), commits, and wakes the request threads,
which answer only then: a ``200`` still means "committed". Under load this saves a round trip,
a commit and a wake-up per ping; a lone ping goes through at once (a batch of one). A ping the
statement does not store (a check that is down, a cron schedule, a pending start, an unknown
key) goes back to its thread, which takes the general path.
"""

from __future__ import annotations

import os
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from django.conf import settings

MAX_BATCH = 64
WAIT_SECONDS = 30.0
IDLE_SECONDS = 30.0  # an idle writer closes its connection

BATCH_SQL = """
WITH input AS (
    SELECT * FROM unnest(
        %(keys)s::uuid[], %(kinds)s::varchar[], %(statuses)s::smallint[], %(methods)s::varchar[],
        %(remotes)s::inet[], %(agents)s::varchar[], %(bodies)s::text[], %(truncated)s::boolean[],
        %(ats)s::timestamptz[], %(ords)s::integer[]
    ) AS i(key, kind, exit_status, method, remote, agent, body, truncated, at, ord)
),
updated AS (
    UPDATE monitoring_check c SET
        status = 'up',
        status_changed_at = CASE WHEN c.status = 'up' THEN c.status_changed_at ELSE i.at END,
        last_ping_at = i.at,
        last_result_at = i.at,
        last_message = '',
        consecutive_failures = 0,
        late_at = i.at + make_interval(secs => c.period_seconds),
        down_at = i.at + make_interval(secs => c.period_seconds + c.grace_seconds)
    FROM input i, tenancy_organization o
    WHERE c.ping_key = i.key
      AND i.kind <> 'log'
      AND c.kind = 'heartbeat'
      AND o.id = c.organization_id AND o.is_active
      AND c.status <> 'down'
      AND c.schedule_kind = 'period'
      AND (c.last_start_at IS NULL OR (c.last_ping_at IS NOT NULL AND c.last_start_at <= c.last_ping_at))
    RETURNING c.id, i.ord
),
logged AS (
    SELECT c.id, i.ord
    FROM input i
    JOIN monitoring_check c ON c.ping_key = i.key
    JOIN tenancy_organization o ON o.id = c.organization_id
    WHERE i.kind = 'log' AND c.kind = 'heartbeat' AND o.is_active
),
accepted AS (
    SELECT id, ord FROM updated UNION ALL SELECT id, ord FROM logged
),
stored AS (
    INSERT INTO monitoring_ping
        (heartbeat_id, at, kind, exit_status, run_id, method, remote_address, user_agent, body, body_truncated)
    SELECT a.id, i.at, i.kind, i.exit_status, NULL, i.method, i.remote, i.agent, i.body, i.truncated
    FROM accepted a JOIN input i ON i.ord = a.ord
    RETURNING 1
)
SELECT ord, (SELECT count(*) FROM stored) FROM accepted
"""


@dataclass
class _Pending:
    values: dict[str, Any]
    kind: str
    at: datetime
    done: threading.Event = field(default_factory=threading.Event)
    stored: bool = False
    error: BaseException | None = None


class BatchWriter:
    """One per web process: a daemon thread with its own connection, in autocommit mode."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, values: dict[str, Any], kind: str, at: datetime) -> bool:
        """True once the ping is committed; False when the general path must take it."""
        self._ensure_running()
        pending = _Pending(values, kind, at)
        self._queue.put(pending)
        if not pending.done.wait(WAIT_SECONDS):
            raise TimeoutError("the ping batch writer did not answer")
        if pending.error is not None:
            raise pending.error
        return pending.stored

    def stop(self) -> None:
        """Stop the writer and close its connection (tests, before dropping their database)."""
        with self._lock:
            thread = self._thread
            if thread is not None and thread.is_alive() and self._pid == os.getpid():
                self._queue.put(None)
                thread.join(timeout=10)
            self._thread = None

    def _ensure_running(self) -> None:
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="vigie-ping-batches", daemon=True)
                self._thread.start()

    def _connect(self) -> psycopg.Connection[Any]:
        database = settings.DATABASES["default"]
        return psycopg.connect(
            dbname=str(database["NAME"]),
            user=str(database.get("USER") or "") or None,
            password=str(database.get("PASSWORD") or "") or None,
            host=str(database.get("HOST") or "") or None,
            port=str(database.get("PORT") or "") or None,
            autocommit=True,
            application_name="vigie-ping-batches",
        )

    def _run(self) -> None:
        connection: psycopg.Connection[Any] | None = None
        carried: list[_Pending] = []
        try:
            while True:
                taken = self._take(carried, idle=connection is not None)
                if taken is None:  # idle: give the connection back
                    if connection is not None:
                        connection.close()
                    connection = None
                    continue
                batch, carried, stopping = taken
                if batch:
                    connection = self._apply(connection, batch)
                if stopping:
                    for pending in carried:
                        pending.error = RuntimeError("the ping batch writer stopped")
                        pending.done.set()
                    return
        finally:
            if connection is not None:
                connection.close()

    def _apply(self, connection: psycopg.Connection[Any] | None, batch: list[_Pending]) -> psycopg.Connection[Any] | None:
        try:
            if connection is None or connection.closed:
                connection = self._connect()
            stored = self._write(connection, batch)
        except Exception as error:
            if connection is not None:
                connection.close()
            for pending in batch:
                pending.error = error
                pending.done.set()
            return None
        for index, pending in enumerate(batch):
            pending.stored = index in stored
            pending.done.set()
        return connection

    def _take(self, carried: list[_Pending], *, idle: bool) -> tuple[list[_Pending], list[_Pending], bool] | None:
        """Every waiting ping, one per check (a second ping of the same check waits for the next
        batch); None when nothing came for ``IDLE_SECONDS``."""
        stopping = False
        waiting: list[_Pending] = list(carried)
        if not waiting:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS) if idle else self._queue.get()
            except queue.Empty:
                return None
            if first is None:
                return [], [], True
            waiting.append(first)
        while len(waiting) < MAX_BATCH * 2:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                stopping = True
                break
            waiting.append(item)
        batch: list[_Pending] = []
        later: list[_Pending] = []
        keys: set[Any] = set()
        for pending in waiting:
            key = pending.values["key"]
            if key in keys or len(batch) >= MAX_BATCH:
                later.append(pending)
            else:
                keys.add(key)
                batch.append(pending)
        return batch, later, stopping

    def _write(self, connection: psycopg.Connection[Any], batch: list[_Pending]) -> set[int]:
        params = {
            "keys": [p.values["key"] for p in batch],
            "kinds": [p.kind for p in batch],
            "statuses": [p.values["exit_status"] for p in batch],
            "methods": [p.values["method"] for p in batch],
            "remotes": [p.values["remote"] for p in batch],
            "agents": [p.values["agent"] for p in batch],
            "bodies": [p.values["body"] for p in batch],
            "truncated": [p.values["truncated"] for p in batch],
            "ats": [p.at for p in batch],
            "ords": list(range(len(batch))),
        }
        with connection.cursor() as cursor:
            cursor.execute(BATCH_SQL, params, prepare=True)
            return {int(row[0]) for row in cursor.fetchall()}


writer = BatchWriter()
