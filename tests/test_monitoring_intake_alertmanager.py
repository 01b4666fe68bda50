"""Debian's real ``prometheus-alertmanager`` firing to a live Vigie: an alert posted to its API v2
reaches Vigie through its webhook receiver (bearer token), then resolves."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.intake_support import make_source
from vigie.cmdb import services as cmdb_services
from vigie.monitoring.models import Alert, AlertStatus

BINARY = os.environ.get("VIGIE_TEST_ALERTMANAGER", "/usr/bin/prometheus-alertmanager")
DEADLINE = 40.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, condition: Callable[[], Any], log: Path) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; Alertmanager's log:\n{log.read_text()[-3000:]}")


def http(method: str, url: str, payload: Any = None) -> int:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except OSError:
        return 0


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Callable[[str, str], str]]:
    if not (Path(BINARY).exists() or shutil.which(BINARY)):
        pytest.fail(f"{BINARY} is missing: install it with `apt-get install prometheus-alertmanager`")
    processes: list[subprocess.Popen[bytes]] = []

    def start(webhook_url: str, token: str) -> str:
        port = free_port()
        config = tmp_path / "alertmanager.yml"
        config.write_text(
            f"""
route:
  receiver: vigie
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: vigie
    webhook_configs:
      - url: {webhook_url}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"""
        )
        log = tmp_path / "alertmanager.log"
        process = subprocess.Popen(
            [
                BINARY,
                f"--config.file={config}",
                f"--storage.path={tmp_path / 'data'}",
                "--cluster.listen-address=",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_for("Alertmanager to be ready", lambda: http("GET", f"{base}/-/ready") == 200, log)
        return base

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.django_db(transaction=True)
def test_real_alertmanager_fires_then_resolves_in_vigie(world, live_server, alertmanager, tmp_path):
    source, token = make_source(world, "alertmanager", name="Prometheus du client")
    item = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="srv-compta", ci_class="server")
    base = alertmanager(f"{live_server.url}/intake/alertmanager/", token)
    log = tmp_path / "alertmanager.log"
    started = datetime.now(UTC) - timedelta(minutes=1)
    alert = {
        "labels": {"alertname": "HostDown", "instance": "srv-compta:9100", "severity": "critical", "job": "node"},
        "annotations": {"summary": "srv-compta ne répond plus", "description": "Injoignable depuis 5 minutes"},
        "startsAt": started.isoformat(),
        "generatorURL": "http://prometheus:9090/graph",
    }
    assert http("POST", f"{base}/api/v2/alerts", [alert]) == 200
    firing = wait_for(
        "the alert to fire in Vigie",
        lambda: Alert.objects.filter(organization=world.client_a, status=AlertStatus.FIRING).first(),
        log,
    )
    assert firing.dedup_key.startswith("am:") and firing.summary == "srv-compta ne répond plus"
    assert firing.severity == "critical" and firing.configuration_item == item
    assert firing.labels["alertname"] == "HostDown" and firing.intake_source == source
    resolved_at = datetime.now(UTC) - timedelta(seconds=5)
    assert http("POST", f"{base}/api/v2/alerts", [{**alert, "endsAt": resolved_at.isoformat()}]) == 200
    wait_for(
        "the alert to resolve in Vigie",
        lambda: Alert.objects.filter(pk=firing.pk, status=AlertStatus.RESOLVED).exists(),
        log,
    )
    # The follow-up (the incident it opened is resolved) runs after the webhook's commit, in the
    # live server's thread: let it finish before the database is flushed.
    wait_for(
        "the alert's follow-up to finish",
        lambda: Alert.objects.filter(pk=firing.pk, needs_processing_since__isnull=True).exists(),
        log,
    )
    assert Alert.objects.filter(organization=world.client_a).count() == 1
    firing.refresh_from_db()
    assert firing.occurrences == 1 and abs(firing.resolved_at - resolved_at) < timedelta(seconds=1)
    source.refresh_from_db()
    assert source.received_count >= 2
