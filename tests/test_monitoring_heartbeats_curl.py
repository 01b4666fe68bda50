"""Heartbeats sent with the real ``curl`` binary to a live server, exactly as users' scripts do."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from typing import Any

import pytest

from vigie.monitoring.checks import create_check
from vigie.monitoring.models import Alert, AlertStatus, Check, CheckStatus, Ping

pytestmark = pytest.mark.django_db(transaction=True)
CURL = shutil.which("curl") or "/usr/bin/curl"


def curl(*arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CURL, *arguments], capture_output=True, text=True, timeout=60, input=stdin, check=False)


def sh(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a shell snippet as a cron job would (``bash -c``), with ``curl`` on its PATH."""
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", **env}, check=False
    )


@pytest.fixture(autouse=True)
def _stop_the_batch_writer():
    """The writer keeps its own connection: close it before the test database goes away."""
    yield
    from vigie.monitoring.heartbeats.batching import writer

    writer.stop()


@pytest.fixture
def backup(world: Any) -> Check:
    return create_check(
        by=world.admin,
        organization=world.client_a,
        kind="heartbeat",
        name="Sauvegarde Veeam",
        period_seconds=86400,
        grace_seconds=3600,
        is_backup=True,
    )


def test_the_usual_cron_line(live_server, backup):
    url = f"{live_server.url}/ping/{backup.ping_key}"
    done = curl("-fsS", "-m", "10", "--retry", "5", "-o", "/dev/null", url)
    assert done.returncode == 0, done.stderr
    stored = Ping.objects.get(heartbeat=backup)
    assert stored.kind == "success" and stored.method == "GET" and stored.user_agent.startswith("curl/")
    assert stored.remote_address == "127.0.0.1"
    backup.refresh_from_db()
    assert backup.status == CheckStatus.UP and backup.late_at is not None


def test_head_get_post_and_the_answer(live_server, backup):
    url = f"{live_server.url}/ping/{backup.ping_key}"
    head = curl("-fsS", "-I", url)
    assert head.returncode == 0 and "200 OK" in head.stdout.splitlines()[0]
    assert "ping-body-limit: 100000" in head.stdout.lower()
    assert curl("-fsS", url).stdout == "OK"
    assert curl("-fsS", "-X", "POST", url + "/").stdout == "OK"
    assert list(Ping.objects.filter(heartbeat=backup).order_by("id").values_list("method", flat=True)) == ["HEAD", "GET", "POST"]


def test_unknown_key_fails_curl(live_server, backup):
    missing = curl("-fsS", "-m", "10", "-o", "/dev/null", f"{live_server.url}/ping/{uuid.uuid4()}")
    assert missing.returncode == 22 and "404" in missing.stderr
    body = curl("-sS", f"{live_server.url}/ping/{uuid.uuid4()}/fail")
    assert body.stdout == "not found"
    assert not Ping.objects.exists()


def test_a_backup_script_reports_its_output_and_exit_status(live_server, backup):
    url = f"{live_server.url}/ping/{backup.ping_key}"
    script = """
set -u
rid=$(cat /proc/sys/kernel/random/uuid)
curl -fsS -m 10 --retry 5 -o /dev/null "$URL/start?rid=$rid"
output=$(echo "copie de /srv/data : 42 fichiers"; echo "erreur : disque plein" >&2; exit 3)
status=$?
curl -fsS -m 10 --retry 5 -o /dev/null --data-raw "$output" "$URL/$status?rid=$rid"
"""
    done = sh(script, URL=url)
    assert done.returncode == 0, done.stderr
    start, end = Ping.objects.filter(heartbeat=backup).order_by("id")
    assert start.kind == "start" and end.kind == "exit" and end.exit_status == 3
    assert start.run_id == end.run_id and start.run_id is not None
    assert end.body == "copie de /srv/data : 42 fichiers" and end.method == "POST"
    assert end.duration_seconds is not None and end.duration_seconds >= 0
    backup.refresh_from_db()
    assert backup.status == CheckStatus.DOWN and backup.last_duration_seconds == end.duration_seconds
    assert Alert.objects.get(source_check=backup).status == AlertStatus.FIRING
    # The next night the job succeeds: `$?` is 0, the alert resolves.
    assert sh('true; curl -fsS -m 10 -o /dev/null "$URL/$?"', URL=url).returncode == 0
    backup.refresh_from_db()
    assert backup.status == CheckStatus.UP
    assert Alert.objects.get(source_check=backup).status == AlertStatus.RESOLVED


def test_fail_with_the_log_in_the_body(live_server, backup):
    url = f"{live_server.url}/ping/{backup.ping_key}"
    done = sh('output="rsync: connection refused (111)"; curl -fsS -m 10 --retry 5 --data-raw "$output" "$URL/fail"', URL=url)
    assert done.returncode == 0 and done.stdout == "OK"
    stored = Ping.objects.get(heartbeat=backup)
    assert stored.kind == "fail" and stored.body == "rsync: connection refused (111)"
    backup.refresh_from_db()
    assert backup.status == CheckStatus.DOWN


def test_a_body_over_the_limit_is_truncated(live_server, backup, settings):
    settings.VIGIE_PING_BODY_LIMIT = 2048
    url = f"{live_server.url}/ping/{backup.ping_key}/log"
    big = "ligne de journal\n" * 1000  # 17 kB
    done = curl("-fsS", "-m", "10", "--data-binary", "@-", url, stdin=big)
    assert done.returncode == 0 and done.stdout == "OK", done.stderr
    stored = Ping.objects.get(heartbeat=backup)
    assert stored.body_truncated and stored.body == big.encode()[:2048].decode()
    # The connection stays usable after the unread rest of the body: a second ping on it works.
    twice = curl(
        "-fsS", "-m", "10", "--data-binary", "@-", url, "--next", "-fsS", f"{live_server.url}/ping/{backup.ping_key}", stdin=big
    )
    assert twice.returncode == 0 and twice.stdout == "OKOK"
    assert Ping.objects.filter(heartbeat=backup).count() == 3


def test_exit_status_out_of_range_and_bad_rid(live_server, backup):
    url = f"{live_server.url}/ping/{backup.ping_key}"
    assert curl("-sS", "-o", "/dev/null", "-w", "%{http_code}", url + "/256").stdout == "400"
    assert curl("-sS", "-o", "/dev/null", "-w", "%{http_code}", url + "?rid=pas-un-uuid").stdout == "400"
    assert curl("-sS", "-o", "/dev/null", "-w", "%{http_code}", url + "/255").stdout == "200"
    assert Ping.objects.get(heartbeat=backup).exit_status == 255


def test_concurrent_pings_are_all_stored(live_server, world):
    """32 clients at once, several on the same check: every 200 is a stored row (on PostgreSQL the
    pings share batches; a second ping of a check in the same batch waits for the next one).
    The live server of an in-memory SQLite test database shares one connection between its
    threads, so there the clients take turns."""
    import http.client
    import threading
    from urllib.parse import urlparse

    checks = [
        create_check(by=world.admin, organization=world.client_a, kind="heartbeat", name=f"Tâche {n}", period_seconds=3600)
        for n in range(8)
    ]
    address = urlparse(live_server.url)
    answers: list[int] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            for round_ in range(10):
                check = checks[(number + round_) % len(checks)]
                suffix = "/log" if round_ == 9 else ("/0" if round_ % 2 else "")
                connection.request("POST" if suffix else "GET", f"/ping/{check.ping_key}{suffix}", body=b"x" if suffix else None)
                response = connection.getresponse()
                response.read()
                with lock:
                    answers.append(response.status)
        finally:
            connection.close()

    from django.db import connection as database

    threads = [threading.Thread(target=client, args=(n,)) for n in range(32)]
    together = database.vendor != "sqlite"
    for thread in threads:
        thread.start()
        if not together:
            thread.join(timeout=120)
    for thread in threads:
        thread.join(timeout=120)
    assert answers.count(200) == len(answers) == 320
    assert Ping.objects.count() == 320
    assert Ping.objects.filter(kind="log").count() == 32 and Ping.objects.filter(kind="exit", exit_status=0).count() == 128
    for check in checks:
        check.refresh_from_db()
        assert check.status == CheckStatus.UP and check.late_at is not None
        assert check.last_ping_at == Ping.objects.filter(heartbeat=check).exclude(kind="log").latest("at").at
