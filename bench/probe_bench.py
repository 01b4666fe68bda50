"""The probe bench (issue #5): checks completed per minute by one ``vigie probe`` process.

``.venv/bin/python -m bench.probe_bench`` uses its own PostgreSQL database, ``vigie_bench_probes``
(migrated on first use; ``--database-url`` for another, ``sqlite:///...`` included), and:

* starts the targets in a separate process (one asyncio process: a minimal HTTP server and a
  TCP listener on loopback), so that they do not take the probe's CPU within its process;
* loads ``--checks`` checks (half HTTP GET, half TCP connect) for one client whose probe policy
  allows loopback, due every ``--interval`` seconds and spread over the interval, so that demand
  exceeds the target and the probe runs flat out;
* starts one ``vigie probe`` process and counts the results it records over ``--seconds``
  (after a warm-up), from the ProbeResult rows;
* baseline, in the same run (before and after the probe; the mean is reported): the same number
  of bare asyncio TCP connects and HTTP GETs (no Django, no database, no policy, no bookkeeping)
  with the same concurrency.

Writes bench/results/probe.json and probe.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vigie_bench_probes"
TARGET_PER_MINUTE = 10_000
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nVigie ok\n"


def log(message: str) -> None:
    print(f"[probe-bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# -- targets (run in their own process) --------------------------------------------------------------


async def _serve_targets(http_port: int, tcp_port: int) -> None:
    async def http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(RESPONSE)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    servers = [
        await asyncio.start_server(http, "127.0.0.1", http_port, backlog=4096),
        await asyncio.start_server(tcp, "127.0.0.1", tcp_port, backlog=4096),
    ]
    print("ready", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


def serve_targets(http_port: int, tcp_port: int) -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(_serve_targets(http_port, tcp_port))


# -- baseline -----------------------------------------------------------------------------------------


async def _bare(count: int, concurrency: int, http_port: int, tcp_port: int) -> float:
    semaphore = asyncio.Semaphore(concurrency)
    request = f"GET /ok HTTP/1.1\r\nHost: 127.0.0.1:{http_port}\r\nConnection: close\r\n\r\n".encode()

    async def one(number: int) -> None:
        async with semaphore:
            if number % 2:
                _reader, writer = await asyncio.open_connection("127.0.0.1", tcp_port)
                writer.close()
                return
            reader, writer = await asyncio.open_connection("127.0.0.1", http_port)
            writer.write(request)
            await reader.read()
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    return time.perf_counter() - started


def baseline_per_minute(count: int, concurrency: int, http_port: int, tcp_port: int) -> float:
    elapsed = asyncio.run(_bare(count, concurrency, http_port, tcp_port))
    return count / elapsed * 60


# -- the bench ----------------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def django_setup(database_url: str) -> None:
    os.environ["VIGIE_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigie.settings")
    import django

    django.setup()


def prepare_database(database_url: str) -> None:
    if database_url.startswith("postgres"):
        import psycopg

        base, name = database_url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as db:
            if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                db.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "VIGIE_DATABASE_URL": database_url}
    subprocess.run([sys.executable, "-m", "vigie.cli", "migrate", "--noinput", "-v", "0"], check=True, cwd=REPO, env=env)


def load_checks(count: int, interval: int, http_port: int, tcp_port: int, start: datetime) -> None:
    from django.db import connection

    from vigie.monitoring.models import Check, CheckKind, ProbePolicy, ProbeResult
    from vigie.tenancy.models import Organization, OrganizationKind

    client, _ = Organization.objects.get_or_create(
        slug="probe-bench", defaults={"name": "Probe bench", "kind": OrganizationKind.CLIENT}
    )
    ProbePolicy.objects.update_or_create(organization=client, defaults={"allowed_networks": "127.0.0.0/8"})
    ProbeResult.objects.filter(probe_check__organization=client).delete()
    Check.objects.filter(organization=client).delete()
    # Spread over the interval: a steady demand of count/interval checks per second.
    Check.objects.bulk_create(
        [
            Check(
                organization=client,
                name=f"bench {number}",
                kind=CheckKind.HTTP if number % 2 == 0 else CheckKind.TCP,
                target=f"http://127.0.0.1:{http_port}/ok" if number % 2 == 0 else "127.0.0.1",
                port=None if number % 2 == 0 else tcp_port,
                options={"keyword": "Vigie"} if number % 2 == 0 else {},
                interval_seconds=interval,
                timeout_seconds=10,
                retries=1,
                next_run_at=start + timedelta(seconds=interval * number / count),
            )
            for number in range(count)
        ],
        batch_size=2000,
    )
    connection.close()


def count_results(since: datetime, until: datetime) -> tuple[int, int]:
    from django.db import connection

    from vigie.monitoring.models import ProbeResult

    rows = ProbeResult.objects.filter(at__gte=since, at__lt=until, probe_check__organization__slug="probe-bench")
    total, failed = rows.count(), rows.filter(ok=False).count()
    connection.close()
    return total, failed


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(
    database_url: str = DATABASE_URL, checks: int = 24000, interval: int = 20, seconds: float = 60, concurrency: int = 500
) -> dict[str, Any]:
    http_port, tcp_port = free_port(), free_port()
    targets = subprocess.Popen(
        [sys.executable, "-m", "bench.probe_bench", "--serve-targets", str(http_port), str(tcp_port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
    )
    assert targets.stdout is not None
    targets.stdout.readline()
    probe: subprocess.Popen[bytes] | None = None
    try:
        log("baseline: bare asyncio connects and GETs")
        baseline = baseline_per_minute(checks, concurrency, http_port, tcp_port)
        log(f"baseline {baseline:,.0f}/min")
        prepare_database(database_url)
        django_setup(database_url)
        warmup = 10.0
        start = datetime.now(UTC) + timedelta(seconds=3)
        load_checks(checks, interval, http_port, tcp_port, start)
        log(f"{checks} checks every {interval} s: demand {checks * 60 / interval:,.0f}/min")
        env = {**os.environ, "VIGIE_DATABASE_URL": database_url}
        log_file = (RESULTS / "probe-process.log").open("wb")
        probe = subprocess.Popen(
            [sys.executable, "-m", "vigie.cli", "probe", "--name", "bench", "--concurrency", str(concurrency)],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        time.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + warmup)
        since = datetime.now(UTC)
        cpu_before = cpu_seconds(probe.pid)
        time.sleep(seconds)
        until = datetime.now(UTC)
        cpu_used = cpu_seconds(probe.pid) - cpu_before
        total, failed = count_results(since, until)
        probe.send_signal(signal.SIGTERM)
        probe.wait(60)
        probe = None
        # The machine may be busy with other work: the baseline is measured before and after.
        log("baseline again, after the probe")
        baseline_after = baseline_per_minute(checks, concurrency, http_port, tcp_port)
        log(f"baseline {baseline_after:,.0f}/min")
    finally:
        if probe is not None:
            probe.send_signal(signal.SIGTERM)
            probe.wait(60)
        targets.terminate()
        targets.wait(10)
    window = (until - since).total_seconds()
    per_minute = total / window * 60
    baseline = (baseline + baseline_after) / 2
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database_url.split(":", 1)[0],
        "checks": checks,
        "interval_seconds": interval,
        "demand_per_minute": round(checks * 60 / interval),
        "concurrency": concurrency,
        "window_seconds": round(window, 1),
        "results": total,
        "failed": failed,
        "checks_per_minute": round(per_minute),
        "probe_cpu_percent": round(cpu_used / window * 100, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "baseline_bare_asyncio_per_minute": round(baseline),
        "ratio_to_baseline": round(per_minute / baseline, 3),
        "target_per_minute": TARGET_PER_MINUTE,
        "target_met": per_minute >= TARGET_PER_MINUTE and failed == 0,
    }
    write(result)
    return result


def write(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "probe.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Probe bench",
        "",
        f"One `vigie probe` process, {result['checks']:,} checks (half HTTP GET with a keyword, half TCP connect) "
        f"every {result['interval_seconds']} s against loopback targets in another process, on {result['database']}; "
        f"measured over {result['window_seconds']} s from the ProbeResult rows ({result['measured_at']}).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| checks completed per minute | **{result['checks_per_minute']:,}** (target ≥ {result['target_per_minute']:,}) |",
        f"| failed runs in the window | {result['failed']} |",
        f"| demand (checks due per minute) | {result['demand_per_minute']:,} |",
        f"| probe process CPU | {result['probe_cpu_percent']} % of one core |",
        f"| machine load (1 min) at the end | {result['load_average']} |",
        f"| baseline: bare asyncio connects/GETs per minute | {result['baseline_bare_asyncio_per_minute']:,} |",
        f"| ratio to the baseline | {result['ratio_to_baseline']} |",
        f"| target met | {'yes' if result['target_met'] else 'no'} |",
        "",
    ]
    (RESULTS / "probe.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("VIGIE_BENCH_PROBE_DATABASE_URL", DATABASE_URL))
    parser.add_argument("--checks", type=int, default=24000)
    parser.add_argument("--interval", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--serve-targets", nargs=2, type=int, metavar=("HTTP_PORT", "TCP_PORT"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve_targets:
        serve_targets(*options.serve_targets)
        return
    result = run(options.database_url, options.checks, options.interval, options.seconds, options.concurrency)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
