"""The common pings in one SQL statement on PostgreSQL.

Almost every ping is a success (or exit status 0) of a check that is not down, on a period
schedule, without a pending start to pair with, or a ``log``: for these, one statement locks the
check, updates it and inserts the ping (a data-modifying ``WITH``), committed on its own in
autocommit mode: one round trip and one WAL flush, no Python-side transaction. Anything else
(a failure, a start, a run id, a cron schedule, a check coming back from down: the cases that
need Python or raise an alert) is left to ``pings.record_ping``'s general path, with the same
result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from django.db import connection

from vigie.monitoring.models import CheckKind, CheckStatus, PingKind, ScheduleKind

NOT_FOUND = "not_found"
STORED = "stored"
ELSEWHERE = "elsewhere"  # the general path must handle it

# Constant SQL (no value is ever formatted in): the tables and choices it names are checked
# against the models by tests/test_monitoring_heartbeats.py.
TABLES = ("monitoring_check", "monitoring_ping", "tenancy_organization")

SUCCESS_SQL = """
WITH target AS (
    SELECT c.id, c.status, c.schedule_kind, c.last_start_at, c.last_ping_at
    FROM monitoring_check c JOIN tenancy_organization o ON o.id = c.organization_id
    WHERE c.ping_key = %(key)s AND c.kind = 'heartbeat' AND o.is_active
    FOR UPDATE OF c
),
updated AS (
    UPDATE monitoring_check c SET
        status = 'up',
        status_changed_at = CASE WHEN t.status = 'up' THEN c.status_changed_at ELSE %(now)s END,
        last_ping_at = %(now)s,
        last_result_at = %(now)s,
        last_message = '',
        consecutive_failures = 0,
        late_at = %(now)s + make_interval(secs => c.period_seconds),
        down_at = %(now)s + make_interval(secs => c.period_seconds + c.grace_seconds)
    FROM target t
    WHERE c.id = t.id
      AND t.status <> 'down'
      AND t.schedule_kind = 'period'
      AND (t.last_start_at IS NULL OR (t.last_ping_at IS NOT NULL AND t.last_start_at <= t.last_ping_at))
    RETURNING c.id
),
stored AS (
    INSERT INTO monitoring_ping
        (heartbeat_id, at, kind, exit_status, run_id, method, remote_address, user_agent, body, body_truncated)
    SELECT updated.id, %(now)s, %(kind)s, %(exit_status)s, NULL, %(method)s, %(remote)s, %(agent)s, %(body)s, %(truncated)s
    FROM updated
    RETURNING 1
)
SELECT (SELECT count(*) FROM target), (SELECT count(*) FROM stored)
"""

LOG_SQL = """
WITH target AS (
    SELECT c.id, c.status, c.schedule_kind, c.last_start_at, c.last_ping_at
    FROM monitoring_check c JOIN tenancy_organization o ON o.id = c.organization_id
    WHERE c.ping_key = %(key)s AND c.kind = 'heartbeat' AND o.is_active
    FOR UPDATE OF c
),
stored AS (
    INSERT INTO monitoring_ping
        (heartbeat_id, at, kind, exit_status, run_id, method, remote_address, user_agent, body, body_truncated)
    SELECT target.id, %(now)s, %(kind)s, %(exit_status)s, NULL, %(method)s, %(remote)s, %(agent)s, %(body)s, %(truncated)s
    FROM target
    RETURNING 1
)
SELECT (SELECT count(*) FROM target), (SELECT count(*) FROM stored)
"""
SQL_CHOICES = {"kind": (CheckKind.HEARTBEAT,), "status": (CheckStatus.UP, CheckStatus.DOWN), "schedule": (ScheduleKind.PERIOD,)}


def applies(kind: str, exit_status: int | None, run_id: Any) -> bool:
    if connection.vendor != "postgresql" or run_id is not None:
        return False
    return kind in (PingKind.SUCCESS, PingKind.LOG) or (kind == PingKind.EXIT and exit_status == 0)


def _execute(sql: str, params: dict[str, Any]) -> Any:
    connection.ensure_connection()
    # A server-side prepared statement (psycopg's own cursor, not Django's client-side binding):
    # PostgreSQL plans it once per connection instead of on every ping. Django's per-request
    # health check query is not needed: a dead connection raises, and is replaced above.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()


def try_record(values: dict[str, Any], kind: str, now: datetime) -> str:
    """Record the ping in one statement if it is a common one; say what happened."""
    sql = LOG_SQL if kind == PingKind.LOG else SUCCESS_SQL
    params = {**values, "kind": kind, "now": now}
    try:
        row = _execute(sql, params)
    except (psycopg.OperationalError, psycopg.InterfaceError):
        # A kept connection the server dropped (restart, idle timeout): reconnect once. The
        # statement is atomic, so a failed one stored nothing.
        connection.close()
        row = _execute(sql, params)
    found, stored = (row[0], row[1]) if row else (0, 0)
    if not found:
        return NOT_FOUND
    return STORED if stored else ELSEWHERE
