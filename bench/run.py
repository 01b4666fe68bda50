"""``make bench``: Vigie's speed on a large PostgreSQL database, against a bare Django view.

1. Create (or reuse) the bench database with ``VIGIE_BENCH_TICKETS`` tickets (default
   1,000,000, ``--quick``: 20,000) and their replies, through PostgreSQL ``COPY``.
2. Start the real server (gunicorn with ``bench.settings``), the Huey worker and a loopback
   SMTP sink, all on 127.0.0.1.
3. Measure, as a technician, the ticket list (first page, filtered), search, ticket detail and
   the API list, then ticket creation through the API with 16 concurrent clients; each beside
   the same request on a bare view through the same middleware stack.
4. Read the resident memory of the web and worker processes; write ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlparse

from bench import loadgen, processes, report
from bench.database import conninfo_for

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vigie_bench"
QUICK_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vigie_bench_quick"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
FULL_TICKETS = 1_000_000
QUICK_TICKETS = 20_000

TARGETS = {
    "list": 150.0,
    "list_filtered": 150.0,
    "search": 250.0,
    "detail": 100.0,
}
CREATE_TARGET_PER_SECOND = 200.0


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench +{time.monotonic() - _STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


@dataclass
class Options:
    tickets: int
    quick: bool
    regenerate: bool
    database_url: str
    redis_url: str | None
    requests: int
    warmup: int
    concurrency: int
    api_clients: int
    api_seconds: float
    workers: int
    threads: int
    output_dir: Path
    quiet_wait: float
    generate_only: bool


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_TICKETS:,} tickets, fewer requests")
    parser.add_argument("--tickets", type=int, help="tickets to generate (default VIGIE_BENCH_TICKETS or 1,000,000)")
    parser.add_argument("--regenerate", action="store_true", help="drop and regenerate the bench database")
    parser.add_argument("--generate-only", action="store_true", help="prepare the bench database, measure nothing")
    parser.add_argument("--requests", type=int, help="measured requests per page (default 300, quick 60)")
    parser.add_argument("--concurrency", type=int, default=2, help="concurrent clients for the page measurements")
    parser.add_argument("--api-clients", type=int, default=16, help="concurrent clients creating tickets")
    parser.add_argument("--api-seconds", type=float, help="duration of the creation run (default 20 s, quick 6 s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--no-redis", action="store_true", help="queue and cache in PostgreSQL/SQLite instead of Redis")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        help="wait up to this many seconds for the machine to be idle (1-minute load < 0.5) before measuring (default 600, quick 0)",
    )
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    tickets = args.tickets or (QUICK_TICKETS if quick else int(os.environ.get("VIGIE_BENCH_TICKETS", FULL_TICKETS)))
    database_url = os.environ.get("VIGIE_BENCH_DATABASE_URL") or (QUICK_DATABASE_URL if quick else DEFAULT_DATABASE_URL)
    redis_url = None if args.no_redis else os.environ.get("VIGIE_BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if tickets < 1000:
        parser.error("--tickets must be at least 1000")
    return Options(
        tickets=tickets,
        quick=quick,
        regenerate=bool(args.regenerate),
        database_url=database_url,
        redis_url=redis_url,
        requests=args.requests or (60 if quick else 300),
        warmup=10 if quick else 30,
        concurrency=max(1, args.concurrency),
        api_clients=max(1, args.api_clients),
        api_seconds=args.api_seconds or (6.0 if quick else 20.0),
        workers=max(1, args.workers),
        threads=max(1, args.threads),
        output_dir=REPO / "var" / "bench-quick" / "results" if quick else RESULTS,
        quiet_wait=args.quiet_wait if args.quiet_wait is not None else (0.0 if quick else 600.0),
        generate_only=bool(args.generate_only),
    )


# --------------------------------------------------------------------------- database


def prepare_database(options: Options) -> tuple[str, Any]:
    """Make sure the database exists; return its conninfo and the marker of a reusable dataset."""
    import psycopg
    from psycopg import sql

    from bench import dataset

    name = urlparse(options.database_url).path.lstrip("/")
    target = conninfo_for(options.database_url)
    with psycopg.connect(conninfo_for(options.database_url, database="postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        marker = None
        if exists and not options.regenerate:
            with psycopg.connect(target) as conn:
                marker = dataset.read_marker(conn)
        reusable = marker is not None and marker.version == dataset.GENERATOR_VERSION and marker.tickets == options.tickets
        if reusable:
            log(f"reusing database {name}: {marker.tickets:,} tickets generated {marker.generated_at}")
            return target, marker
        if exists:
            log(f"dropping database {name} ({'regeneration asked' if options.regenerate else 'no dataset of this size'})")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        log(f"created database {name}")
    return target, None


def prepare_service_levels(conninfo: str) -> Any:
    """Add (once) the calendars, policies, services, SLA outcomes, surveys and outages layer."""
    import psycopg

    from bench import service_levels

    with psycopg.connect(conninfo) as conn:
        layer = service_levels.read_layer(conn)
    if layer is not None:
        return layer
    log("adding the service-level layer (calendars, policies, services, SLA outcomes, surveys, outages)")
    layer = service_levels.generate(conninfo, log=log)
    log(f"service-level layer ready in {layer.seconds:.0f} s")
    return layer


def catch_up_service_levels() -> None:
    """Fire, once and without e-mail, the escalations the history has made due (as the demo does),
    so that the worker does not spend the measurements catching up on years of overdue clocks."""
    from vigie.notifications.dispatch import notifications_suppressed
    from vigie.sla import clocks, escalations

    started = time.monotonic()
    with notifications_suppressed():
        flipped = clocks.advance_states()
        fired = escalations.run_escalations()
    log(
        f"service levels caught up: {flipped:,} clocks changed state, {fired:,} escalations fired ({time.monotonic() - started:.0f} s)"
    )


def refresh_monthly_figures() -> float:
    """What the worker does every hour: the kept figures of the closed months (timed)."""
    from vigie.reports.kpis import monthly

    started = time.monotonic()
    rows = monthly.refresh()
    seconds = time.monotonic() - started
    log(f"monthly figures of {monthly.KEPT_MONTHS} closed months refreshed: {rows:,} rows in {seconds:.1f} s")
    return seconds


def vacuum_before_measuring(conninfo: str) -> None:
    """What autovacuum would have done by now on a live database: the service-level layer and the
    catch-up rewrite many ticket and clock rows, which leaves their pages not "all visible" (no
    index-only scans) and autovacuum busy on both cores during the first measurements."""
    import psycopg

    from bench.dataset import BIG_TABLES

    started = time.monotonic()
    tables = [*BIG_TABLES, "sla_ticketsla", "servicedesk_satisfactionsurvey"]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) " + ", ".join(tables))
    log(f"vacuumed and analysed {', '.join(tables)} ({time.monotonic() - started:.0f} s)")


def postgres_facts(conninfo: str) -> dict[str, str]:
    import psycopg

    names = (
        "server_version",
        "shared_buffers",
        "work_mem",
        "effective_cache_size",
        "random_page_cost",
        "jit",
        "synchronous_commit",
    )
    with psycopg.connect(conninfo) as conn:
        return {name: str(conn.execute(f"SHOW {name}").fetchone()[0]) for name in names}  # type: ignore[index]


# --------------------------------------------------------------------------- fixtures


@dataclass
class Fixtures:
    session_cookie: str
    token: str
    technician_id: int
    served_client_ids: list[int]
    visible_tickets: int
    references: list[str]
    filters: list[str]
    searches: list[str]
    search_matches: dict[str, int]


def prepare_fixtures(marker: Any, *, references: int) -> Fixtures:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Count

    from bench.vocabulary import SEARCH_QUERIES
    from vigie.accounts.models import User
    from vigie.accounts.services import issue_api_token
    from vigie.servicedesk.models import OPEN_STATUSES, Ticket, TicketStatus
    from vigie.servicedesk.search import search_tickets
    from vigie.tenancy.access import access_for

    technician = User.objects.get(email=marker.technician_email)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(technician.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = technician.get_session_auth_hash()
    session.save()
    _token, raw = issue_api_token(technician, name="bench")
    served = sorted(access_for(technician).company_wide_client_ids)
    visible = Ticket.objects.visible_to(technician)
    visible_count = visible.count()
    sample = list(visible.order_by("?").values_list("reference", flat=True)[:references])
    biggest = (
        visible.values("organization_id").annotate(n=Count("id")).order_by("-n").values_list("organization_id", flat=True)[:1]
    )
    open_statuses = [("status", status.value) for status in TicketStatus if status in OPEN_STATUSES]
    filters = [
        urlencode(open_statuses),  # the "All open" saved view
        urlencode([("client", biggest[0]), ("status", TicketStatus.CLOSED.value)]),
        urlencode([("priority", 1), ("type", "incident")]),
        urlencode([("assignee", "me"), *open_statuses]),
    ]
    rare = (
        Ticket.objects.filter(organization_id__in=served, id__lte=5000, title__contains=" – ")
        .order_by("id")
        .values_list("title", flat=True)
        .first()
    )
    searches = [*SEARCH_QUERIES, *([rare.rsplit(" – ", 1)[1]] if rare else [])]
    matches = {query: search_tickets(visible, query).count() for query in searches}
    return Fixtures(
        session_cookie=f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        token=raw,
        technician_id=technician.pk,
        served_client_ids=served,
        visible_tickets=visible_count,
        references=sample,
        filters=filters,
        searches=searches,
        search_matches=matches,
    )


# --------------------------------------------------------------------------- measurements


@dataclass
class Page:
    key: str
    label: str
    make: Callable[[int], loadgen.Request]
    baseline: str
    ok: tuple[int, ...] = (200,)


def measure(
    port: int,
    make: Callable[[int], loadgen.Request],
    *,
    options: Options,
    roots: list[int],
    ok: tuple[int, ...] = (200,),
) -> dict[str, Any]:
    """Warm up, then time `options.requests` requests; CPU of the bench's processes and of the rest of the machine."""
    loadgen.run("127.0.0.1", port, make, concurrency=options.concurrency, requests=options.warmup, seconds=120)
    before = processes.cpu_snapshot(roots)
    samples, elapsed = loadgen.run(
        "127.0.0.1",
        port,
        make,
        concurrency=options.concurrency,
        requests=options.requests,
        seconds=300 if not options.quick else 120,
    )
    summary = loadgen.summarize(samples, elapsed, ok=ok)
    summary["cpu"] = processes.cpu_usage(before, processes.cpu_snapshot(roots))
    return summary


def probe(port: int, request: loadgen.Request) -> tuple[int, str]:
    client = loadgen.Client("127.0.0.1", port)
    try:
        sample, body = client.send(request)
    finally:
        client.close()
    return sample.status, body[:300].decode("utf-8", "replace")


def run_pages(port: int, fixtures: Fixtures, options: Options, roots: list[int]) -> tuple[dict[str, Any], dict[str, Any]]:
    cookie = {"Cookie": fixtures.session_cookie}
    bearer = {"Authorization": f"Bearer {fixtures.token}", "Accept": "application/json"}
    baselines: dict[str, Any] = {}
    for key, request in (
        ("bare_get", loadgen.Request("GET", "/bench/bare/", cookie)),
        ("bare_api_get", loadgen.Request("GET", "/bench/bare-api/", bearer)),
    ):
        log(f"baseline {key}")
        baselines[key] = measure(port, lambda _i, r=request: r, options=options, roots=roots)

    refs = fixtures.references
    pages = [
        Page("list", "Ticket list, first page", lambda _i: loadgen.Request("GET", "/desk/tickets/", cookie), "bare_get"),
        Page(
            "list_filtered",
            "Ticket list, filtered",
            lambda i: loadgen.Request("GET", "/desk/tickets/?" + fixtures.filters[i % len(fixtures.filters)], cookie),
            "bare_get",
        ),
        Page(
            "search",
            "Search (staff queue)",
            lambda i: loadgen.Request("GET", "/desk/tickets/?q=" + quote(fixtures.searches[i % len(fixtures.searches)]), cookie),
            "bare_get",
        ),
        Page(
            "detail",
            "Ticket detail",
            lambda i: loadgen.Request("GET", f"/desk/tickets/{refs[i % len(refs)]}/", cookie),
            "bare_get",
        ),
        Page(
            "api_list",
            "API ticket list, first page",
            lambda _i: loadgen.Request("GET", "/api/v1/tickets/", bearer),
            "bare_api_get",
        ),
        Page(
            "api_detail",
            "API ticket detail",
            lambda i: loadgen.Request("GET", f"/api/v1/tickets/{refs[i % len(refs)]}/", bearer),
            "bare_api_get",
        ),
    ]
    scenarios: dict[str, Any] = {}
    for page in pages:
        target = TARGETS.get(page.key)
        entry: dict[str, Any] = {
            "label": page.label,
            "baseline": page.baseline,
            "example": page.make(0).path,
            "target_p95_server_ms": target,
            "target_text": f"p95 ≤ {target:.0f} ms" if target else "–",
        }
        status, body = probe(port, page.make(0))
        if status != 200:
            entry["note"] = f"unavailable (HTTP {status})"
            entry["probe"] = body
            log(f"{page.key}: skipped, {page.make(0).path} answers HTTP {status}")
            scenarios[page.key] = entry
            continue
        log(f"measuring {page.key} ({options.requests} requests, concurrency {options.concurrency})")
        summary = measure(port, page.make, options=options, roots=roots, ok=page.ok)
        entry["summary"] = summary
        p95 = summary["server_ms"]["p95"]
        baseline_p95 = baselines[page.baseline]["server_ms"]["p95"]
        entry["ratio"] = round(p95 / baseline_p95, 2) if p95 is not None and baseline_p95 else None
        entry["met"] = None if target is None or p95 is None else bool(p95 <= target and summary["ok"] == summary["requests"])
        scenarios[page.key] = entry
        log(f"  {page.key}: server p95 {p95} ms, client p95 {summary['client_ms']['p95']} ms, queries {summary['queries']}")
    if "search" in scenarios and scenarios["search"].get("summary"):
        scenarios["search"]["queries_searched"] = fixtures.search_matches
    return baselines, scenarios


def run_throughput(port: int, fixtures: Fixtures, options: Options, roots: list[int]) -> dict[str, Any]:
    bearer = {"Authorization": f"Bearer {fixtures.token}", "Content-Type": "application/json", "Accept": "application/json"}
    clients = fixtures.served_client_ids

    def body(i: int) -> bytes:
        return json.dumps(
            {
                "organization": clients[i % len(clients)],
                "title": f"Bench ticket {i}: imprimante hors ligne",
                "description": "Créé par make bench. L'imprimante du premier étage ne répond plus depuis ce matin.",
            }
        ).encode()

    runs = [
        ("bare_post", "Bare view, POST (ceiling)", "/bench/bare/", (201,), options.api_seconds / 2, None),
        ("bare_api_post", "Bare DRF view with token auth, POST", "/bench/bare-api/", (201,), options.api_seconds / 2, None),
        ("api_create", "Ticket creation, API", "/api/v1/tickets/", (201,), options.api_seconds, CREATE_TARGET_PER_SECOND),
    ]
    results: dict[str, Any] = {}
    for key, label, path, ok, seconds, target in runs:
        entry: dict[str, Any] = {
            "label": label,
            "path": path,
            "clients": options.api_clients,
            "target_per_s": target,
            "target_text": f"≥ {target:.0f}/s" if target else "–",
        }
        status, text = probe(port, loadgen.Request("POST", path, bearer, body(10**9)))
        if status not in ok:
            entry["note"] = f"unavailable (HTTP {status})"
            entry["probe"] = text
            log(f"{key}: skipped, POST {path} answers HTTP {status}: {text[:200]}")
            results[key] = entry
            continue
        log(f"measuring {key}: {options.api_clients} clients for {seconds:.0f} s")

        def make(i: int, p: str = path) -> loadgen.Request:
            return loadgen.Request("POST", p, bearer, body(i))

        loadgen.run("127.0.0.1", port, make, concurrency=options.api_clients, requests=options.api_clients * 4, seconds=60)
        before = processes.cpu_snapshot(roots)
        samples, elapsed = loadgen.run(
            "127.0.0.1", port, make, concurrency=options.api_clients, requests=int(seconds * 2000), seconds=seconds
        )
        summary = loadgen.summarize(samples, elapsed, ok=ok)
        summary["cpu"] = processes.cpu_usage(before, processes.cpu_snapshot(roots))
        entry["summary"] = summary
        entry["met"] = None if target is None else bool(summary["throughput_per_s"] >= target)
        results[key] = entry
        log(
            f"  {key}: {summary['throughput_per_s']}/s, server p95 {summary['server_ms']['p95']} ms, statuses {summary['statuses']}"
        )
    ceiling = results.get("bare_post", {}).get("summary")
    for entry in results.values():
        summary = entry.get("summary")
        if summary and ceiling and ceiling["throughput_per_s"]:
            entry["share"] = round(summary["throughput_per_s"] / ceiling["throughput_per_s"], 3)
    return results


def run_service_levels(port: int, marker: Any, conninfo: str, options: Options, roots: list[int]) -> dict[str, Any]:
    """Reviews, dashboards and KPIs through the server; SLA recomputation and import in-process."""
    from dataclasses import replace

    from bench import service_level_bench

    context = service_level_bench.prepare(marker)

    def timed(make: Callable[[int], loadgen.Request], *, requests: int) -> dict[str, Any]:
        return measure(port, make, options=replace(options, requests=requests, warmup=2), roots=roots)

    results = service_level_bench.run_pages(port, context, conninfo, timed, log)
    results["recompute"] = service_level_bench.run_recompute(conninfo, log)
    results["import"] = service_level_bench.run_import(conninfo, context, log)
    return results


# Benches that set Django up on a database of their own, each run in a process of its own; their
# figures are written beside these (``<name>.json``, ``<name>.md``) and summed up in this report.
SUB_BENCHES: tuple[tuple[str, str], ...] = (
    ("bench.cmdb_bench", "cmdb"),
    ("bench.alert_intake_bench", "alert_intake"),
    ("bench.metrics_bench", "metrics"),
    ("bench.heartbeat_bench", "heartbeat"),
    ("bench.probe_bench", "probe"),
)


def run_sub_bench(module: str, name: str) -> dict[str, Any]:
    log(f"{name} bench ({module})")
    done = subprocess.run([sys.executable, "-m", module], cwd=REPO, check=False)
    path = RESULTS / f"{name}.json"
    if done.returncode != 0 or not path.exists():
        return {"error": f"{module} exited with {done.returncode}"}
    return dict(json.loads(path.read_text()))


def run_sub_benches(options: Options) -> dict[str, Any]:
    """The CMDB bench (100,000 CIs, 300,000 relations) and the supervision benches (heartbeats,
    probes, alert intake, metric storage); skipped by ``--quick``."""
    if options.quick:
        return {}
    return {name: run_sub_bench(module, name) for module, name in SUB_BENCHES}


def wait_for_worker(sink: processes.SmtpSink, *, seconds: float) -> int:
    """Give the worker time to drain the notifications queued by the creation run."""
    deadline = time.monotonic() + seconds
    last, stable_since = sink.received, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(1)
        if sink.received != last:
            last, stable_since = sink.received, time.monotonic()
        elif time.monotonic() - stable_since > 5:
            break
    return sink.received


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    started = time.monotonic()
    data_dir = REPO / "var" / ("bench-quick" if options.quick else "bench")
    data_dir.mkdir(parents=True, exist_ok=True)
    sink = processes.SmtpSink()
    sink_running = sink.start()
    environment = {
        "VIGIE_DATABASE_URL": options.database_url,
        "VIGIE_DATA_DIR": str(data_dir),
        "VIGIE_DEBUG": "false",
        "VIGIE_LANGUAGE": "en",
        "VIGIE_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "VIGIE_EMAIL_HOST": "127.0.0.1",
        "VIGIE_EMAIL_PORT": str(sink.port),
    }
    if options.redis_url:
        environment["VIGIE_REDIS_URL"] = options.redis_url
    os.environ.update(environment)
    for key in [k for k in os.environ if k.startswith("VIGIE_") and k not in environment and not k.startswith("VIGIE_BENCH_")]:
        del os.environ[key]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

    log(f"bench: {options.tickets:,} tickets on {options.database_url}")
    conninfo, marker = prepare_database(options)

    import django

    django.setup()
    from django.core.management import call_command

    from bench import dataset

    log("migrating")
    call_command("migrate", verbosity=0, interactive=False)
    if marker is None:
        log(f"generating {options.tickets:,} tickets")
        marker = dataset.generate(conninfo, tickets=options.tickets, log=log)
        import psycopg

        with psycopg.connect(conninfo) as conn:
            dataset.write_marker(conn, marker)
        log(f"dataset ready in {marker.seconds.get('total', 0):.0f} s")
    else:
        deleted = dataset.reset_to_marker(conninfo, marker)
        log(f"removed what earlier runs added: {deleted}")
    layer = prepare_service_levels(conninfo)
    if options.generate_only:
        return
    if options.redis_url:
        import redis

        redis.Redis.from_url(options.redis_url).flushdb()

    catch_up_service_levels()
    refresh_monthly_figures()
    vacuum_before_measuring(conninfo)
    fixtures = prepare_fixtures(marker, references=min(500, options.requests))
    log(f"technician sees {fixtures.visible_tickets:,} tickets; search matches {fixtures.search_matches}")
    from django.db import connections

    connections.close_all()

    port = processes.free_port()
    env = processes.base_environment(environment)
    server = processes.web_server(env, port=port, workers=options.workers, threads=options.threads, log_dir=data_dir / "logs")
    worker = processes.worker(env, log_dir=data_dir / "logs")
    results: dict[str, Any] = {}
    try:
        server.start()
        worker.start()
        processes.wait_until_ready(server, port)
        log(f"server ready on 127.0.0.1:{port} (gunicorn {options.workers}×{options.threads})")
        load_before = processes.wait_for_quiet(options.quiet_wait, log) if options.quiet_wait else os.getloadavg()[0]
        roots = [os.getpid(), server.pid, worker.pid]
        baselines, scenarios = run_pages(port, fixtures, options, roots)
        throughput = run_throughput(port, fixtures, options, roots)
        service_levels = run_service_levels(port, marker, conninfo, options, roots)
        delivered = wait_for_worker(sink, seconds=30 if options.quick else 60) if sink_running else None
        memory = processes.memory_report(server, worker)
        memory["worker_alive"] = worker.alive()
        results = assemble(options, marker, conninfo, fixtures, baselines, scenarios, throughput, memory, delivered)
        results["machine"]["load_1min_before"] = round(load_before, 2)
        results["dataset"]["service_levels"] = asdict(layer)
        results["service_levels"] = service_levels
        for entry in service_levels.values():
            if entry.get("met") is False:
                results["notes"].append(f"{entry['label']}: target {entry['target_text']} not met.")
    finally:
        server.stop()
        worker.stop()
        sink.stop()
    results.update(run_sub_benches(options))
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    json_path, md_path, table = report.write(results, options.output_dir, "latest")
    print(table)
    log(f"written {json_path.relative_to(REPO)} and {md_path.relative_to(REPO)} in {results['elapsed_s']:.0f} s")


def assemble(
    options: Options,
    marker: Any,
    conninfo: str,
    fixtures: Fixtures,
    baselines: dict[str, Any],
    scenarios: dict[str, Any],
    throughput: dict[str, Any],
    memory: dict[str, Any],
    delivered: int | None,
) -> dict[str, Any]:
    import django

    facts = postgres_facts(conninfo)
    notes = []
    for entry in [*baselines.values(), *scenarios.values(), *throughput.values()]:
        cpu = (entry.get("summary") or entry).get("cpu")
        if cpu and cpu["other_cores"] >= 0.25:
            label = entry.get("label", "a baseline")
            notes.append(
                f"{label}: other processes used {cpu['other_cores']:.2f} CPU cores during the measurement (figures pessimistic)."
            )
        if entry.get("met") is False:
            notes.append(f"{entry['label']}: target {entry['target_text']} not met.")
        if entry.get("note"):
            notes.append(f"{entry['label']}: {entry['note']}.")
    return {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if options.quick else "full",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "postgresql": facts.pop("server_version"),
            "postgresql_settings": facts,
        },
        "dataset": asdict(marker),
        "server": {
            "workers": options.workers,
            "threads": options.threads,
            "queue": "Redis" if options.redis_url else "SQLite (Huey) and database cache",
        },
        "client": {"concurrency": options.concurrency, "requests": options.requests, "warmup": options.warmup},
        "fixtures": {
            "visible_tickets": fixtures.visible_tickets,
            "served_clients": len(fixtures.served_client_ids),
            "filters": fixtures.filters,
            "search_matches": fixtures.search_matches,
            "detail_tickets": len(fixtures.references),
        },
        "baselines": baselines,
        "scenarios": scenarios,
        "throughput": throughput,
        "memory": memory,
        "notifications_delivered": delivered,
        "notes": notes,
    }
