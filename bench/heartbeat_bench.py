"""The heartbeat intake bench (issue #5): pings per second on PostgreSQL with 32 concurrent clients.

``.venv/bin/python -m bench.heartbeat_bench`` uses its own PostgreSQL database,
``vigie_bench_heartbeat`` (created and migrated here), with 1,000 heartbeat checks over 10
clients. gunicorn serves Vigie (``bench.settings``); 32 keep-alive clients (``wrk`` when it is
installed, Debian package ``wrk``; otherwise threads with persistent ``http.client``
connections) send, for N seconds each, in the same run:

* ``bare``: ``GET /bench/bare/``, a view answering without touching the database, through the
  same middleware stack: the baseline;
* ``ping``: ``GET /ping/<key>`` over the 1,000 checks (success pings);
* ``ping_post``: ``POST /ping/<key>/0`` with a 200-byte log body (a script's report).

Every answered ping must be a stored row: the bench counts the ``Ping`` rows after each run and
compares them with the 200 answers. Targets: ≥ 1,000 pings/s and ≥ 50 % of the bare view.
Writes bench/results/heartbeat.json and heartbeat.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.database import conninfo_for, ensure_database

REPO = Path(__file__).resolve().parent.parent
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vigie_bench_heartbeat"
CHECKS = 1000
CLIENTS = 10
CONCURRENCY = 32
TARGET_PER_SECOND = 1000.0
TARGET_RATIO = 0.5
BODY = ("rsync: 1234 files transferred, 0 errors, elapsed 00:03:12\n" * 4)[:200]

WRK_SCRIPT = r"""
local keys = {}
for line in io.lines(os.getenv("BENCH_KEYS")) do keys[#keys + 1] = line end
local mode = os.getenv("BENCH_MODE")
local body = os.getenv("BENCH_BODY")
local counter = 0
local id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  if mode == "bare" then
    return wrk.format("GET", "/bench/bare/")
  end
  local key = keys[((counter * 7 + id * 500) % #keys) + 1]
  if mode == "ping_post" then
    return wrk.format("POST", "/ping/" .. key .. "/0", {["Content-Type"] = "text/plain"}, body)
  end
  return wrk.format("GET", "/ping/" .. key)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "non_2xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
    .. '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000))
end
"""


def log(message: str) -> None:
    print(f"[heartbeat-bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def prepare(checks: int, clients: int) -> list[str]:
    """The bench clients and their heartbeat checks (created once, reused); returns the ping keys.
    Pings of earlier runs are removed and every check starts as new."""
    from django.db import connection

    from vigie.monitoring.models import Check, CheckKind, CheckStatus
    from vigie.tenancy.models import Organization, OrganizationKind

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE monitoring_ping, monitoring_alertevent, monitoring_alert RESTART IDENTITY CASCADE")
    Organization.objects.get_or_create(
        slug="bench-provider", defaults={"name": "Bench provider", "kind": OrganizationKind.PROVIDER}
    )
    organizations = []
    for n in range(clients):
        organization, _created = Organization.objects.get_or_create(
            slug=f"bench-hb-{n:02d}", defaults={"name": f"Client {n:02d}"}
        )
        organizations.append(organization)
    existing = Check.objects.filter(organization__slug__startswith="bench-hb-", kind=CheckKind.HEARTBEAT)
    missing = checks - existing.count()
    if missing > 0:
        Check.objects.bulk_create(
            [
                Check(
                    organization=organizations[n % clients],
                    name=f"Sauvegarde {n:04d}",
                    kind=CheckKind.HEARTBEAT,
                    period_seconds=86400,
                    grace_seconds=3600,
                    is_backup=n % 3 == 0,
                )
                for n in range(missing)
            ]
        )
        log(f"created {missing} heartbeat checks")
    existing.update(status=CheckStatus.NEW, late_at=None, down_at=None, last_ping_at=None, last_start_at=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE monitoring_check, tenancy_organization, monitoring_ping")
    return [str(key) for key in existing.order_by("pk").values_list("ping_key", flat=True)[:checks]]


def count_pings() -> int:
    from vigie.monitoring.models import Ping

    return Ping.objects.count()


def _wrk(port: int, mode: str, keys_file: Path, *, seconds: int, concurrency: int, script: Path) -> dict[str, Any]:
    env = {**os.environ, "BENCH_KEYS": str(keys_file), "BENCH_MODE": mode, "BENCH_BODY": BODY}
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(concurrency),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 60, check=False)
    line = next((row for row in done.stdout.splitlines() if row.startswith("BENCH-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    elapsed = raw["duration_us"] / 1e6
    errors = raw["non_2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    ok = raw["requests"] - raw["non_2xx"]
    return {
        "client": "wrk",
        "requests": raw["requests"],
        "ok": ok,
        "errors": errors,
        "elapsed_s": round(elapsed, 2),
        "per_second": round(ok / elapsed, 1),
        "p50_ms": round(raw["p50_ms"], 2),
        "p95_ms": round(raw["p95_ms"], 2),
        "p99_ms": round(raw["p99_ms"], 2),
        "max_ms": round(raw["max_ms"], 2),
    }


def _threads(port: int, mode: str, keys: list[str], *, seconds: int, concurrency: int) -> dict[str, Any]:
    from bench import loadgen

    def make(index: int) -> loadgen.Request:
        if mode == "bare":
            return loadgen.Request("GET", "/bench/bare/")
        key = keys[(index * 7) % len(keys)]
        if mode == "ping_post":
            return loadgen.Request("POST", f"/ping/{key}/0", {"Content-Type": "text/plain"}, BODY.encode())
        return loadgen.Request("GET", f"/ping/{key}")

    samples, elapsed = loadgen.run("127.0.0.1", port, make, concurrency=concurrency, requests=10**9, seconds=seconds)
    summary = loadgen.summarize(samples, elapsed)
    return {
        "client": "python threads",
        "requests": summary["requests"],
        "ok": summary["ok"],
        "errors": summary["requests"] - summary["ok"],
        "elapsed_s": summary["elapsed_s"],
        "per_second": summary["throughput_per_s"],
        "p50_ms": summary["client_ms"]["p50"],
        "p95_ms": summary["client_ms"]["p95"],
        "p99_ms": summary["client_ms"]["p99"],
        "max_ms": summary["client_ms"]["max"],
        "server_ms_p50": summary["server_ms"]["p50"],
        "queries": summary["queries"],
    }


MODES = ("bare", "ping", "ping_post")
ROUNDS = 4


def _combine(rounds: list[dict[str, Any]], *, stored: bool) -> dict[str, Any]:
    """One scenario over its rounds: totals, throughput over the summed time, the median of the
    rounds' percentiles, CPU weighted by time."""
    elapsed = sum(r["elapsed_s"] for r in rounds)
    ok = sum(r["ok"] for r in rounds)
    combined: dict[str, Any] = {
        "client": rounds[0]["client"],
        "rounds": len(rounds),
        "requests": sum(r["requests"] for r in rounds),
        "ok": ok,
        "errors": sum(r["errors"] for r in rounds),
        "elapsed_s": round(elapsed, 2),
        "per_second": round(ok / elapsed, 1) if elapsed else 0.0,
        "per_second_by_round": [r["per_second"] for r in rounds],
    }
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        combined[key] = round(statistics.median(r[key] for r in rounds), 2)
    combined["max_ms"] = max(r["max_ms"] for r in rounds)
    combined["cpu"] = {
        key: round(sum(r["cpu"][key] * r["elapsed_s"] for r in rounds) / elapsed, 2)
        for key in ("total_cores", "bench_processes_cores", "postgres_cores", "other_cores")
    }
    combined["cpu"]["load_1min"] = max(r["cpu"]["load_1min"] for r in rounds)
    if stored:
        combined["rows_stored"] = sum(r["rows_stored"] for r in rounds)
        # wrk stops mid-request: a ping answered after its deadline is stored, not counted.
        combined["every_answer_stored"] = combined["rows_stored"] >= ok
    return combined


def measure(
    environment: dict[str, str],
    keys: list[str],
    *,
    seconds: int,
    concurrency: int,
    workers: int,
    threads: int,
    use_wrk: bool,
    data_dir: Path,
) -> dict[str, Any]:
    from django.db import connections

    from bench import processes

    connections.close_all()
    port = processes.free_port()
    env = processes.base_environment(environment)
    server = processes.web_server(env, port=port, workers=workers, threads=threads, log_dir=data_dir / "logs")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        keys_file = Path(scratch) / "keys.txt"
        keys_file.write_text("\n".join(keys) + "\n")
        script = Path(scratch) / "ping.lua"
        script.write_text(WRK_SCRIPT)
        run: Callable[[str, int], dict[str, Any]]
        if use_wrk:
            run = lambda mode, duration: _wrk(port, mode, keys_file, seconds=duration, concurrency=concurrency, script=script)  # noqa: E731
        else:
            run = lambda mode, duration: _threads(port, mode, keys, seconds=duration, concurrency=concurrency)  # noqa: E731
        try:
            server.start()
            processes.wait_until_ready(server, port)
            for mode in MODES:
                run(mode, 2)  # warm-up: every worker imports, connects and fills its caches
            # The scenarios alternate in short rounds, so that a change of the machine's load
            # (other processes) weighs on the baseline and on the pings alike.
            rounds: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
            for number in range(ROUNDS):
                for mode in MODES:
                    before = count_pings()
                    before_cpu = processes.cpu_snapshot([server.pid])
                    outcome = run(mode, max(1, seconds // ROUNDS))
                    outcome["cpu"] = processes.cpu_usage(before_cpu, processes.cpu_snapshot([server.pid]))
                    outcome["rows_stored"] = count_pings() - before
                    rounds[mode].append(outcome)
                    log(
                        f"round {number + 1} {mode}: {outcome['per_second']}/s, p50 {outcome['p50_ms']} ms, p95 {outcome['p95_ms']} ms"
                    )
            for mode in MODES:
                results[mode] = _combine(rounds[mode], stored=mode != "bare")
                row = results[mode]
                log(f"{mode}: {row['per_second']}/s, p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, errors {row['errors']}")
        finally:
            server.stop()
    bare = results["bare"]["per_second"] or 1
    for mode in ("ping", "ping_post"):
        row = results[mode]
        row["ratio_to_bare"] = round(row["per_second"] / bare, 3)
        row["met"] = row["per_second"] >= TARGET_PER_SECOND and row["ratio_to_bare"] >= TARGET_RATIO and row["errors"] == 0
    return results


def write(results: dict[str, Any], output_dir: Path) -> tuple[Path, Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    json_path = output_dir / "heartbeat.json"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    setup = results["setup"]
    lines = [
        "# Heartbeat intake bench",
        "",
        f"Run {results['at']}: PostgreSQL {results.get('postgres', '?')}, gunicorn {setup['workers']} workers × "
        f"{setup['threads']} threads (gthread), {setup['concurrency']} concurrent keep-alive clients ({results['runs']['bare']['client']}), "
        f"{setup['checks']:,} heartbeat checks, {setup['seconds']} s per scenario in {ROUNDS} alternating rounds, {setup['cores']} cores shared by client, server and database.",
        "",
        "| scenario | requests/s | p50 ms | p95 ms | p99 ms | errors | × bare | target (≥ 1,000/s and ≥ 50 % of bare) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    labels = {
        "bare": "bare Django view (baseline)",
        "ping": "GET /ping/<key>",
        "ping_post": "POST /ping/<key>/0 + 200 B body",
    }
    for mode, row in results["runs"].items():
        ratio = row.get("ratio_to_bare")
        verdict = "baseline" if mode == "bare" else ("met" if row.get("met") else "NOT met")
        lines.append(
            f"| {labels[mode]} | {row['per_second']:,.0f} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {row['errors']} | "
            f"{'—' if ratio is None else f'{ratio:.0%}'} | {verdict} |"
        )
    stored = ", ".join(
        f"{mode}: {row.get('rows_stored')} rows for {row['ok']} answers"
        for mode, row in results["runs"].items()
        if mode != "bare"
    )
    lines += [
        "",
        "Latencies are the median of the rounds' percentiles. CPU per request (cores used ÷ requests/s; PostgreSQL "
        "counts every backend of the machine, other users' too):",
        "",
        "| scenario | web server CPU ms/request | PostgreSQL CPU ms/request | load (1 min, max) |",
        "|---|---|---|---|",
    ]
    for mode, row in results["runs"].items():
        rate = row["per_second"] or 1
        lines.append(
            f"| {labels[mode]} | {row['cpu']['bench_processes_cores'] / rate * 1000:.2f} | "
            f"{row['cpu']['postgres_cores'] / rate * 1000:.2f} | {row['cpu']['load_1min']} |"
        )
    lines += ["", f"Every answered ping is a committed row: the bench compares the `Ping` rows with the 200 answers ({stored})."]
    md_path = output_dir / "heartbeat.md"
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path


def run(
    *,
    database_url: str = DATABASE_URL,
    checks: int = CHECKS,
    seconds: int = 20,
    concurrency: int = CONCURRENCY,
    workers: int = 2,
    threads: int = 16,
    client: str = "auto",
    output_dir: Path | None = None,
) -> dict[str, Any]:
    data_dir = REPO / "var" / "bench-heartbeat"
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        "VIGIE_DATABASE_URL": database_url,
        "VIGIE_DATA_DIR": str(data_dir),
        "VIGIE_DEBUG": "false",
        "VIGIE_LANGUAGE": "en",
        "VIGIE_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    for key in [k for k in os.environ if k.startswith("VIGIE_") and not k.startswith("VIGIE_BENCH_")]:
        del os.environ[key]
    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    ensure_database(database_url, log)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    keys = prepare(checks, CLIENTS)
    use_wrk = client == "wrk" or (client == "auto" and shutil.which("wrk") is not None)
    import psycopg

    with psycopg.connect(conninfo_for(database_url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    log(f"{len(keys)} checks; client: {'wrk' if use_wrk else 'python threads'}; gunicorn {workers}×{threads}")
    runs = measure(
        environment,
        keys,
        seconds=seconds,
        concurrency=concurrency,
        workers=workers,
        threads=threads,
        use_wrk=use_wrk,
        data_dir=data_dir,
    )
    results: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "postgres": row[0] if row else "?",
        "setup": {
            "checks": len(keys),
            "clients": CLIENTS,
            "concurrency": concurrency,
            "seconds": seconds,
            "workers": workers,
            "threads": threads,
            "cores": os.cpu_count(),
        },
        "targets": {"per_second": TARGET_PER_SECOND, "ratio_to_bare": TARGET_RATIO},
        "runs": runs,
        "met": all(runs[mode]["met"] for mode in ("ping", "ping_post")),
    }
    json_path, md_path = write(results, output_dir or REPO / "bench" / "results")
    log(f"written {json_path} and {md_path}")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=os.environ.get("VIGIE_BENCH_HEARTBEAT_DATABASE_URL", DATABASE_URL))
    parser.add_argument("--checks", type=int, default=CHECKS)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--client", choices=["auto", "wrk", "threads"], default="auto")
    parser.add_argument("--output-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    results = run(
        database_url=args.database_url,
        checks=args.checks,
        seconds=args.seconds,
        concurrency=args.concurrency,
        workers=args.workers,
        threads=args.threads,
        client=args.client,
        output_dir=args.output_dir,
    )
    if not results["met"]:
        log("targets NOT met")


if __name__ == "__main__":
    main()
