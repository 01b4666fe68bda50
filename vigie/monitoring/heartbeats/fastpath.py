"""The common pings in one SQL statement on PostgreSQL.

Almost every ping is a success (or exit status 0) of a check that is not down, on a period
schedule, without a pending start to pair with, or a ``log``: for these, one statement updates the
check and inserts the ping (a data-modifying ``WITH``), committed on its own in autocommit
mode: one round trip and one WAL flush, no Python-side transaction. The update's conditions
are on the row itself, so PostgreSQL re-checks them on the latest version when pings of the
same check race (no explicit row lock needed). When the statement stores nothing — a failure,
a start, a run id, a cron schedule, a check coming back from down (the cases that need Python
or raise an alert), or an unknown key — ``pings.record_ping``'s general path decides, with the
same result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

from vigie.monitoring.models import CheckKind, CheckStatus, PingKind, ScheduleKind

STORED = "stored"
ELSEWHERE = "elsewhere"  # the general path must handle it (or answer that the key is unknown)

# Constant SQL (no value is ever formatted in): the tables and choices it names are checked
# against the models by tests/test_monitoring_heartbeats.py.
TABLES = ("monitoring_check", "monitoring_ping", "tenancy_organization")

SUCCESS_SQL = """
WITH updated AS (
    UPDATE monitoring_check c SET
        status = 'up',
        status_changed_at = CASE WHEN c.status = 'up' THEN c.status_changed_at ELSE %(now)s END,
        last_ping_at = %(now)s,
        last_result_at = %(now)s,
        last_message = '',
        consecutive_failures = 0,
        late_at = %(now)s + make_interval(secs => c.period_seconds),
        down_at = %(now)s + make_interval(secs => c.period_seconds + c.grace_seconds)
    FROM tenancy_organization o
    WHERE c.ping_key = %(key)s
      AND c.kind = 'heartbeat'
      AND o.id = c.organization_id AND o.is_active
      AND c.status <> 'down'
      AND c.schedule_kind = 'period'
      AND (c.last_start_at IS NULL OR (c.last_ping_at IS NOT NULL AND c.last_start_at <= c.last_ping_at))
    RETURNING c.id
)
INSERT INTO monitoring_ping
    (heartbeat_id, at, kind, exit_status, run_id, method, remote_address, user_agent, body, body_truncated)
SELECT updated.id, %(now)s, %(kind)s, %(exit_status)s, NULL, %(method)s, %(remote)s, %(agent)s, %(body)s, %(truncated)s
FROM updated
RETURNING 1
"""

LOG_SQL = """
INSERT INTO monitoring_ping
    (heartbeat_id, at, kind, exit_status, run_id, method, remote_address, user_agent, body, body_truncated)
SELECT c.id, %(now)s, %(kind)s, %(exit_status)s, NULL, %(method)s, %(remote)s, %(agent)s, %(body)s, %(truncated)s
FROM monitoring_check c JOIN tenancy_organization o ON o.id = c.organization_id
WHERE c.ping_key = %(key)s AND c.kind = 'heartbeat' AND o.is_active
RETURNING 1
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
    if getattr(settings, "VIGIE_PING_BATCHES", False):
        from vigie.monitoring.heartbeats.batching import writer

        return STORED if writer.submit(values, kind, now) else ELSEWHERE
    sql = LOG_SQL if kind == PingKind.LOG else SUCCESS_SQL
    params = {**values, "kind": kind, "now": now}
    try:
        row = _execute(sql, params)
    except (psycopg.OperationalError, psycopg.InterfaceError):
        # A kept connection the server dropped (restart, idle timeout): reconnect once. The
        # statement is atomic, so a failed one stored nothing.
        connection.close()
        row = _execute(sql, params)
    return STORED if row else ELSEWHERE
