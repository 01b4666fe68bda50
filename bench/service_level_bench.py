"""The service-level measurements of ``make bench`` (issue #3), each beside raw SQL.

Through the real server, as the provider's administrator (who sees every client): the monthly
review of the biggest client, the provider dashboard, the KPI API for all clients and for one,
and the KPI trend. In the bench process itself: the SLA recomputation of every open ticket and
the import of 100,000 rows of a ServiceNow export. Each figure is reported beside a raw SQL
statement computing the same figure on the same data in the same run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg

from bench import loadgen

TARGETS_MS = {"review": 2000.0, "provider_dashboard": 1000.0, "kpi_api": 500.0, "kpi_api_client": 500.0, "kpi_trend": 500.0}
RECOMPUTE_TARGET_S = 30.0
IMPORT_TARGET_S = 60.0
IMPORT_ROWS = 100_000
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Context:
    cookie: str
    token: str
    admin_id: int
    client_id: int
    client_slug: str
    month: str  # YYYY-MM, the last whole month
    month_start: datetime
    month_end: datetime


def prepare(marker: Any) -> Context:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Count

    from vigie.accounts.models import User
    from vigie.accounts.services import issue_api_token
    from vigie.servicedesk.models import Ticket
    from vigie.tenancy.models import Organization

    admin = User.objects.get(email=marker.admin_email)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(admin.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session.save()
    _token, raw = issue_api_token(admin, name="bench")
    biggest = Ticket.objects.values("organization_id").annotate(n=Count("id")).order_by("-n")[0]["organization_id"]
    client = Organization.objects.get(pk=biggest)
    today = datetime.now(UTC).date().replace(day=1)
    last = (today - timedelta(days=1)).replace(day=1)
    return Context(
        cookie=f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        token=raw,
        admin_id=admin.pk,
        client_id=client.pk,
        client_slug=client.slug,
        month=f"{last:%Y-%m}",
        month_start=datetime(last.year, last.month, 1, tzinfo=UTC),
        month_end=datetime(today.year, today.month, 1, tzinfo=UTC),
    )


def time_sql(conninfo: str, statement: str, params: dict[str, Any], *, runs: int) -> dict[str, Any]:
    """p50/p95 of a raw statement on one connection (after one warm-up run)."""
    durations = []
    with psycopg.connect(conninfo) as conn:
        conn.execute(statement, params).fetchall()
        for _ in range(runs):
            started = time.perf_counter()
            rows = conn.execute(statement, params).fetchall()
            durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    return {
        "p50": round(statistics.median(durations), 1),
        "p95": round(durations[min(len(durations) - 1, int(0.95 * len(durations)))], 1),
        "rows": len(rows),
    }


# The raw statements: the central figure of each page, in plain SQL.
SQL_REVIEW = """
SELECT t.priority, count(*) FILTER (WHERE s.resolution_met), count(s.resolution_met),
       count(*) FILTER (WHERE s.response_met), count(s.response_met)
FROM servicedesk_ticket t JOIN sla_ticketsla s ON s.ticket_id = t.id
WHERE t.organization_id = %(client)s AND t.resolved_at >= %(start)s AND t.resolved_at < %(end)s
GROUP BY t.priority
UNION ALL
SELECT -extract(month FROM date_trunc('month', resolved_at))::int, count(*), 0,
       avg(extract(epoch FROM resolved_at - created_at))::bigint, 0
FROM servicedesk_ticket
WHERE organization_id = %(client)s AND resolved_at >= %(end)s - interval '12 months' AND resolved_at < %(end)s
GROUP BY date_trunc('month', resolved_at)
"""
SQL_PROVIDER = """
SELECT t.organization_id,
       count(*) FILTER (WHERE t.status IN ('new','assigned','in_progress','waiting_customer','waiting_third_party')),
       count(*) FILTER (WHERE s.resolution_met AND t.resolved_at >= %(start)s AND t.resolved_at < %(end)s),
       count(s.resolution_met) FILTER (WHERE t.resolved_at >= %(start)s AND t.resolved_at < %(end)s),
       avg(extract(epoch FROM t.resolved_at - t.created_at)) FILTER (WHERE t.resolved_at >= %(start)s AND t.resolved_at < %(end)s)
FROM servicedesk_ticket t LEFT JOIN sla_ticketsla s ON s.ticket_id = t.id
WHERE t.created_at < %(end)s AND (t.resolved_at IS NULL OR t.resolved_at >= %(start)s)
GROUP BY t.organization_id
"""
SQL_KPI = """
SELECT count(*) FILTER (WHERE t.created_at >= %(start)s AND t.created_at < %(end)s),
       count(*) FILTER (WHERE t.resolved_at >= %(start)s AND t.resolved_at < %(end)s),
       avg(extract(epoch FROM t.resolved_at - t.created_at)) FILTER (WHERE t.resolved_at >= %(start)s AND t.resolved_at < %(end)s),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.resolved_at - t.created_at))
           FILTER (WHERE t.resolved_at >= %(start)s AND t.resolved_at < %(end)s),
       count(*) FILTER (WHERE s.resolution_met AND t.resolved_at >= %(start)s AND t.resolved_at < %(end)s),
       count(s.resolution_met) FILTER (WHERE t.resolved_at >= %(start)s AND t.resolved_at < %(end)s)
FROM servicedesk_ticket t LEFT JOIN sla_ticketsla s ON s.ticket_id = t.id
WHERE (t.created_at >= %(start)s AND t.created_at < %(end)s) OR (t.resolved_at >= %(start)s AND t.resolved_at < %(end)s)
"""
SQL_KPI_CLIENT = SQL_KPI.replace("WHERE (t.created_at", "WHERE t.organization_id = %(client)s AND ((t.created_at") + ")"
SQL_TREND = """
SELECT date_trunc('month', resolved_at), count(*), avg(extract(epoch FROM resolved_at - created_at))
FROM servicedesk_ticket WHERE resolved_at >= %(end)s - interval '12 months' AND resolved_at < %(end)s
GROUP BY 1 ORDER BY 1
"""
# What the engine computes for the open tickets, in SQL: calendar time elapsed (no business
# hours, no pauses), written to the same rows. Rolled back.
SQL_RECOMPUTE = """
UPDATE sla_ticketsla s SET resolution_elapsed_seconds = LEAST(2000000000, extract(epoch FROM now() - t.created_at))::integer,
    response_elapsed_seconds = LEAST(2000000000, extract(epoch FROM now() - t.created_at))::integer, computed_at = now()
FROM servicedesk_ticket t
WHERE t.id = s.ticket_id AND t.status IN ('new','assigned','in_progress','waiting_customer','waiting_third_party')
"""


def run_pages(
    port: int, context: Context, conninfo: str, measure: Callable[..., dict[str, Any]], log: Callable[[str], None]
) -> dict[str, Any]:
    cookie = {"Cookie": context.cookie}
    bearer = {"Authorization": f"Bearer {context.token}", "Accept": "application/json"}
    params = {"client": context.client_id, "start": context.month_start, "end": context.month_end}
    month = urlencode({"month": context.month})
    pages: list[tuple[str, str, loadgen.Request, str, int]] = [
        (
            "review",
            f"Monthly review of the biggest client ({context.month})",
            loadgen.Request("GET", f"/reports/reviews/{context.client_slug}/{context.month}/", cookie),
            SQL_REVIEW,
            20,
        ),
        (
            "provider_dashboard",
            "Provider dashboard, all clients",
            loadgen.Request("GET", "/reports/provider/", cookie),
            SQL_PROVIDER,
            30,
        ),
        ("kpi_api", "KPI API, all clients, one month", loadgen.Request("GET", f"/api/v1/kpis/?{month}", bearer), SQL_KPI, 30),
        (
            "kpi_api_client",
            "KPI API, one client, one month",
            loadgen.Request("GET", f"/api/v1/kpis/?{month}&organization={context.client_slug}", bearer),
            SQL_KPI_CLIENT,
            30,
        ),
        ("kpi_trend", "KPI API, 12-month trend", loadgen.Request("GET", "/api/v1/kpis/trend/?months=12", bearer), SQL_TREND, 30),
    ]
    results: dict[str, Any] = {}
    for key, label, request, statement, requests in pages:
        target = TARGETS_MS[key]
        entry: dict[str, Any] = {"label": label, "example": request.path, "target_text": f"p95 ≤ {target:.0f} ms"}
        client = loadgen.Client("127.0.0.1", port, timeout=120)
        try:
            sample, body = client.send(request)
        finally:
            client.close()
        if sample.status != 200:
            entry["note"] = f"unavailable (HTTP {sample.status})"
            entry["probe"] = body[:300].decode("utf-8", "replace")
            log(f"{key}: skipped, {request.path} answers HTTP {sample.status}")
            results[key] = entry
            continue
        log(f"measuring {key} ({requests} requests)")
        summary = measure(lambda _i, r=request: r, requests=requests)
        raw = time_sql(conninfo, statement, params, runs=max(5, requests // 2))
        p95 = summary["server_ms"]["p95"]
        entry.update(
            summary=summary,
            raw_sql_ms=raw,
            ratio=round(p95 / raw["p95"], 1) if p95 and raw["p95"] else None,
            met=bool(p95 is not None and p95 <= target and summary["ok"] == summary["requests"]),
        )
        results[key] = entry
        log(f"  {key}: server p95 {p95} ms (raw SQL p95 {raw['p95']} ms), queries {summary['queries']}")
    return results


def run_recompute(conninfo: str, log: Callable[[str], None]) -> dict[str, Any]:
    from django.db import connection

    from vigie.servicedesk.models import Ticket
    from vigie.sla import clocks

    open_tickets = Ticket.objects.open().count()
    log(f"recomputing the SLA clocks of {open_tickets:,} open tickets")
    started = time.perf_counter()
    recomputed = clocks.recompute_open()
    seconds = time.perf_counter() - started
    connection.close()
    with psycopg.connect(conninfo) as conn:
        raw_started = time.perf_counter()
        rows = conn.execute(SQL_RECOMPUTE).rowcount
        raw_seconds = time.perf_counter() - raw_started
        conn.rollback()
    log(
        f"  recompute: {recomputed:,} tickets in {seconds:.1f} s (raw SQL calendar-time update of {rows:,} rows: {raw_seconds:.2f} s)"
    )
    return {
        "label": "SLA recomputation of every open ticket",
        "tickets": recomputed,
        "seconds": round(seconds, 2),
        "raw_sql_seconds": round(raw_seconds, 2),
        "ratio": round(seconds / raw_seconds, 1) if raw_seconds else None,
        "target_text": f"≤ {RECOMPUTE_TARGET_S:.0f} s",
        "met": seconds <= RECOMPUTE_TARGET_S,
    }


def run_import(conninfo: str, context: Context, log: Callable[[str], None]) -> dict[str, Any]:
    from django.db import connection

    from scripts import generate_import_csv
    from vigie.accounts.models import User
    from vigie.servicedesk.importing.service import import_tickets
    from vigie.tenancy.models import Membership, Organization, Role, TechnicianGroup

    organization = Organization.objects.get(pk=context.client_id)
    admin = User.objects.get(pk=context.admin_id)
    requester = Membership.objects.filter(organization=organization).select_related("user").first()
    group = TechnicianGroup.objects.filter(clients=organization).first()
    technician = (
        group.members.first() if group is not None else Membership.objects.filter(role=Role.TECHNICIAN).first().user  # type: ignore[union-attr]
    )
    data = generate_import_csv.csv_bytes(
        IMPORT_ROWS,
        requesters=[requester.user.email] if requester else [],
        assignees=[technician.email] if technician else [],
        group=group.name if group else "",
    )
    mapping = (REPO / "docs" / "import" / "servicenow.yaml").read_text(encoding="utf-8")
    log(f"importing {IMPORT_ROWS:,} rows ({len(data) / 1e6:.1f} MB) of a ServiceNow export into {organization.slug}")
    started = time.perf_counter()
    report = import_tickets(by=admin, organization=organization, mapping=mapping, filename="bench-servicenow.csv", csv_bytes=data)
    seconds = time.perf_counter() - started
    connection.close()
    with psycopg.connect(conninfo) as conn:
        conn.execute("CREATE TEMP TABLE bench_import (" + ", ".join(f'"{c}" text' for c in generate_import_csv.HEADER) + ")")
        raw_started = time.perf_counter()
        with conn.cursor().copy("COPY bench_import FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(data)
        raw_seconds = time.perf_counter() - raw_started
        conn.rollback()
    log(
        f"  import: {report.created:,} created, {report.updated:,} updated, {len(report.errors)} rejected in {seconds:.1f} s "
        f"(raw COPY into a table: {raw_seconds:.2f} s)"
    )
    return {
        "label": f"Import of {IMPORT_ROWS:,} rows (ServiceNow export)",
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "rejected": len(report.errors),
        "seconds": round(seconds, 2),
        "rows_per_s": round(report.rows / seconds) if seconds else None,
        "raw_sql_seconds": round(raw_seconds, 2),
        "ratio": round(seconds / raw_seconds, 1) if raw_seconds else None,
        "target_text": f"≤ {IMPORT_TARGET_S:.0f} s",
        "met": seconds <= IMPORT_TARGET_S and report.created + report.updated == IMPORT_ROWS,
    }
