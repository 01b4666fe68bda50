"""Alert intake bench: Prometheus Alertmanager webhooks into Vigie on PostgreSQL.

Several concurrent senders (one Alertmanager source per client company) POST webhook payloads
of 50 alerts each to a real gunicorn serving Vigie: a mix of new firing alerts, alerts re-sent
unchanged (as Alertmanager does on every notification of a group) and resolved ones. The
baseline is the same POSTs, in the same run, to a bare Django view that only parses the JSON.
Afterwards the database must hold exactly the expected alerts (nothing lost, nothing doubled).

Writes bench/results/alert_intake.json and alert_intake.md. Target: >= 500 alerts/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.database import ensure_database
from bench.processes import REPO, base_environment, free_port, wait_until_ready, web_server

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vigie_bench_intake"
TARGET_ALERTS_PER_SECOND = 500
ALERTS_PER_WEBHOOK = 50


def log(message: str) -> None:
    print(f"[alert-intake-bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@dataclass
class Sender:
    """One sender's webhooks, built in advance, and what the database must hold afterwards."""

    token: str
    organization_id: int
    bodies: list[bytes] = field(default_factory=list)
    firing: set[str] = field(default_factory=set)
    resolved: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    failures: int = 0


def _alert(fingerprint: str, status: str, starts: datetime, ends: datetime | None) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "NodeDiskFull", "instance": f"host-{fingerprint}:9100", "severity": "warning", "job": "node"},
        "annotations": {"summary": f"Disk almost full on host-{fingerprint}", "description": "Less than 5% free on /"},
        "startsAt": starts.isoformat().replace("+00:00", "Z"),
        "endsAt": (ends or datetime(1, 1, 1, tzinfo=UTC)).isoformat().replace("+00:00", "Z"),
        "generatorURL": "http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes",
        "fingerprint": fingerprint,
    }


def build_webhooks(sender: Sender, index: int, webhooks: int) -> None:
    """Per webhook: 25 new alerts, 15 re-sent unchanged, 10 resolved (the first: 50 new)."""
    base = datetime(2025, 3, 1, tzinfo=UTC)
    starts: dict[str, datetime] = {}
    firing_order: list[str] = []
    counter = 0
    for number in range(webhooks):
        alerts: list[dict[str, Any]] = []
        new = ALERTS_PER_WEBHOOK if number == 0 else 25
        for _ in range(new):
            fingerprint = f"{index:02d}{counter:08x}"
            counter += 1
            starts[fingerprint] = base + timedelta(seconds=number)
            firing_order.append(fingerprint)
            alerts.append(_alert(fingerprint, "firing", starts[fingerprint], None))
        if number:
            for fingerprint in firing_order[-(new + 15) : -new]:
                alerts.append(_alert(fingerprint, "firing", starts[fingerprint], None))
            for fingerprint in firing_order[:10]:
                alerts.append(_alert(fingerprint, "resolved", starts[fingerprint], base + timedelta(seconds=number, minutes=5)))
            del firing_order[:10]
        payload = {
            "version": "4",
            "groupKey": '{}:{alertname="NodeDiskFull"}',
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "vigie",
            "groupLabels": {"alertname": "NodeDiskFull"},
            "commonLabels": {"alertname": "NodeDiskFull", "job": "node", "severity": "warning"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "alerts": alerts,
        }
        sender.bodies.append(json.dumps(payload).encode())
    sender.firing = set(firing_order)
    sender.resolved = set(starts) - sender.firing


def send_all(port: int, path_for: Any, senders: list[Sender]) -> float:
    """Every sender posts its webhooks in order on one keep-alive connection; returns the wall time."""
    barrier = threading.Barrier(len(senders) + 1)

    def run(sender: Sender) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {sender.token}"}
        barrier.wait()
        for body in sender.bodies:
            began = time.perf_counter()
            conn.request("POST", path_for(sender), body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            sender.latencies.append((time.perf_counter() - began) * 1000)
            if response.status != 200:
                sender.failures += 1
        conn.close()

    threads = [threading.Thread(target=run, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def prepare(senders_count: int, webhooks: int) -> list[Sender]:
    from django.db import transaction

    from vigie.monitoring.models import Alert, IntakeSource, SourceKind
    from vigie.monitoring.tokens import issue_source
    from vigie.tenancy.models import Organization, OrganizationKind

    senders = []
    with transaction.atomic():
        Organization.objects.get_or_create(
            slug="bench-provider", defaults={"name": "Bench provider", "kind": OrganizationKind.PROVIDER}
        )
        for index in range(senders_count):
            organization, _created = Organization.objects.get_or_create(
                slug=f"bench-intake-{index}", defaults={"name": f"Bench intake client {index}"}
            )
            Alert.objects.filter(organization=organization).delete()
            IntakeSource.objects.filter(organization=organization).delete()
            _source, token = issue_source(by=None, organization=organization, kind=SourceKind.ALERTMANAGER, name="Prometheus")
            sender = Sender(token=token, organization_id=organization.pk)
            build_webhooks(sender, index, webhooks)
            senders.append(sender)
    return senders


def check_database(senders: list[Sender]) -> dict[str, Any]:
    from vigie.monitoring.models import Alert, AlertEvent, AlertStatus

    problems = []
    for sender in senders:
        rows = dict(Alert.objects.filter(organization_id=sender.organization_id).values_list("dedup_key", "status"))
        expected = {f"am:{f}": AlertStatus.FIRING for f in sender.firing} | {
            f"am:{f}": AlertStatus.RESOLVED for f in sender.resolved
        }
        if rows != expected:
            problems.append(f"client {sender.organization_id}: {len(rows)} alerts, expected {len(expected)}")
        occurrences = set(Alert.objects.filter(organization_id=sender.organization_id).values_list("occurrences", flat=True))
        if occurrences != {1}:
            problems.append(f"client {sender.organization_id}: occurrences {sorted(occurrences)} (re-sends counted)")
    events = AlertEvent.objects.filter(alert__organization_id__in=[s.organization_id for s in senders]).count()
    return {"ok": not problems, "problems": problems, "events": events}


def _latency(senders: list[Sender]) -> dict[str, float]:
    values = sorted(v for sender in senders for v in sender.latencies)
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(values[int(len(values) * 0.95) - 1], 1),
        "max": round(values[-1], 1),
    }


def write(results: dict[str, Any], output_dir: Path) -> tuple[Path, Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    json_path = output_dir / "alert_intake.json"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    md_path = output_dir / "alert_intake.md"
    intake, bare = results["intake"], results["baseline"]
    lines = [
        "# Alert intake (Alertmanager webhooks)",
        "",
        f"Run {results['at']}, PostgreSQL, gunicorn {results['workers']}×{results['threads']} (gthread), "
        f"{results['senders']} concurrent senders × {results['webhooks_per_sender']} webhooks × {ALERTS_PER_WEBHOOK} alerts "
        "(per webhook after the first: 25 new, 15 re-sent unchanged, 10 resolved).",
        "",
        "| endpoint | alerts/s | webhooks/s | p50 ms | p95 ms | failures |",
        "|---|---|---|---|---|---|",
        f"| `/intake/alertmanager/` | {intake['alerts_per_second']} | {intake['webhooks_per_second']} | {intake['latency_ms']['p50']} | {intake['latency_ms']['p95']} | {intake['failures']} |",
        f"| bare JSON view (baseline) | {bare['alerts_per_second']} | {bare['webhooks_per_second']} | {bare['latency_ms']['p50']} | {bare['latency_ms']['p95']} | {bare['failures']} |",
        "",
        f"Ratio to the baseline: **{results['ratio_to_baseline']}**. Target ≥ {TARGET_ALERTS_PER_SECOND} alerts/s: "
        f"**{'met' if results['met'] else 'NOT met'}**. Database check after the run: "
        f"{'every alert present once, re-sends not counted' if results['database']['ok'] else '; '.join(results['database']['problems'])}.",
        "",
    ]
    md_path.write_text("\n".join(lines))
    return json_path, md_path


def run(
    *,
    database_url: str = DATABASE_URL,
    senders: int = 8,
    webhooks: int = 30,
    workers: int = 2,
    threads: int = 4,
    output_dir: Path | None = None,
) -> dict[str, Any]:
    data_dir = REPO / "var" / "bench-intake"
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
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    log(f"building {senders} senders × {webhooks} webhooks")
    baseline_senders = prepare(senders, webhooks)
    connection.close()
    port = free_port()
    server = web_server(base_environment(environment), port=port, workers=workers, threads=threads, log_dir=data_dir)
    server.start()
    try:
        wait_until_ready(server, port)
        total_alerts = sum(len(json.loads(body)["alerts"]) for body in baseline_senders[0].bodies) * senders
        log("baseline: bare JSON view")
        bare_seconds = send_all(port, lambda sender: "/bench/bare-json/", baseline_senders)
        intake_senders = prepare(senders, webhooks)  # fresh sources and an empty alert table
        connection.close()
        log("intake: /intake/alertmanager/")
        intake_seconds = send_all(port, lambda sender: "/intake/alertmanager/", intake_senders)
    finally:
        server.stop()
    database = check_database(intake_senders)

    def figures(seconds: float, group: list[Sender]) -> dict[str, Any]:
        return {
            "seconds": round(seconds, 2),
            "alerts_per_second": round(total_alerts / seconds),
            "webhooks_per_second": round(senders * webhooks / seconds, 1),
            "latency_ms": _latency(group),
            "failures": sum(sender.failures for sender in group),
        }

    intake = figures(intake_seconds, intake_senders)
    baseline = figures(bare_seconds, baseline_senders)
    results = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "senders": senders,
        "webhooks_per_sender": webhooks,
        "alerts": total_alerts,
        "workers": workers,
        "threads": threads,
        "intake": intake,
        "baseline": baseline,
        "ratio_to_baseline": round(intake["alerts_per_second"] / baseline["alerts_per_second"], 2),
        "target_alerts_per_second": TARGET_ALERTS_PER_SECOND,
        "database": database,
    }
    results["met"] = intake["alerts_per_second"] >= TARGET_ALERTS_PER_SECOND and intake["failures"] == 0 and database["ok"]
    json_path, md_path = write(results, output_dir or REPO / "bench" / "results")
    log(
        f"intake {intake['alerts_per_second']} alerts/s, baseline {baseline['alerts_per_second']} alerts/s, "
        f"ratio {results['ratio_to_baseline']}; database {'ok' if database['ok'] else database['problems']}"
    )
    log(f"written {json_path.relative_to(REPO)} and {md_path.relative_to(REPO)}")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=os.environ.get("VIGIE_BENCH_INTAKE_DATABASE_URL", DATABASE_URL))
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--webhooks", type=int, default=30, help="webhooks per sender")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    results = run(
        database_url=args.database_url, senders=args.senders, webhooks=args.webhooks, workers=args.workers, threads=args.threads
    )
    if not results["met"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
