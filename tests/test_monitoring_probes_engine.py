"""The probe engine against the database: claims, results, retries, alerts, leases, stop, retention."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from tests.conftest import World
from tests.test_monitoring_probes_support import Server, closed_port, tls_servers
from vigie.monitoring import checks
from vigie.monitoring.models import Alert, AlertSeverity, AlertStatus, Check, CheckStatus, ProbePolicy, ProbeResult
from vigie.monitoring.probes import store
from vigie.monitoring.probes.base import Outcome
from vigie.monitoring.probes.engine import EngineStats, ProbeEngine
from vigie.monitoring.probes.tasks import purge_probe_results

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def web() -> Iterator[Server]:
    server = Server()
    yield server
    server.close()


def allow_loopback(world: World) -> None:
    ProbePolicy.objects.create(organization=world.client_a, allowed_networks="127.0.0.0/8")


def probe(world: World, kind: str, target: str, **fields: Any) -> Check:
    return checks.create_check(
        by=world.admin, organization=world.client_a, kind=kind, name=f"{kind} {target}", target=target, **fields
    )


def run_once(name: str = "test-probe") -> EngineStats:
    return asyncio.run(ProbeEngine(name=name, concurrency=50).run(once=True))


def due_now(*items: Check) -> None:
    Check.objects.filter(pk__in=[item.pk for item in items]).update(next_run_at=timezone.now())


def test_once_records_results_and_schedules_the_next_run(world: World, web: Server) -> None:
    allow_loopback(world)
    site = probe(world, "http", f"{web.url}/ok", options={"keyword": "Vigie"}, interval_seconds=60)
    port = probe(world, "tcp", "127.0.0.1", port=closed_port(), interval_seconds=120)
    scheduled = {c.pk: c.next_run_at for c in Check.objects.all()}
    stats = run_once()
    assert (stats.claimed, stats.completed, stats.recorded) == (2, 2, 2)
    site.refresh_from_db()
    port.refresh_from_db()
    assert site.status == CheckStatus.UP and site.consecutive_failures == 0
    assert site.last_latency_ms is not None and site.last_message.startswith("Status 200")
    assert site.next_run_at == scheduled[site.pk] + timedelta(seconds=60)
    assert port.next_run_at == scheduled[port.pk] + timedelta(seconds=120)
    assert site.claimed_by == "" and site.claimed_until is None
    result = ProbeResult.objects.get(probe_check=site)
    assert result.ok and result.probe_name == "test-probe" and result.latency_ms == site.last_latency_ms
    assert result.details["scheduled_at"] == scheduled[site.pk].isoformat()
    failed = ProbeResult.objects.get(probe_check=port)
    assert not failed.ok and failed.message == "Connection refused."
    assert port.status == CheckStatus.NEW and port.consecutive_failures == 1
    # Nothing is due any more: a second pass runs nothing.
    assert run_once().claimed == 0


def test_without_policy_loopback_is_refused_and_recorded_as_a_failure(world: World, web: Server) -> None:
    site = probe(world, "http", f"{web.url}/ok", retries=0)
    run_once()
    result = ProbeResult.objects.get(probe_check=site)
    assert not result.ok
    assert result.message == "Address 127.0.0.1 not allowed by the client's probe policy."
    site.refresh_from_db()
    assert site.status == CheckStatus.DOWN
    assert Alert.objects.get(source_check=site).status == AlertStatus.FIRING


def test_retries_before_down_then_alert_raised_and_resolved(world: World, web: Server) -> None:
    allow_loopback(world)
    port = probe(world, "tcp", "127.0.0.1", port=closed_port(), retries=2)
    for attempt in (1, 2):
        run_once()
        port.refresh_from_db()
        assert port.status == CheckStatus.NEW and port.consecutive_failures == attempt
        assert not Alert.objects.exists()
        due_now(port)
    run_once()
    port.refresh_from_db()
    assert port.status == CheckStatus.DOWN and port.consecutive_failures == 3
    alert = Alert.objects.get()
    assert alert.dedup_key == checks.check_dedup_key(port) and alert.source_check_id == port.pk
    assert alert.status == AlertStatus.FIRING and alert.severity == AlertSeverity.CRITICAL
    assert alert.summary == f"{port.name}: Connection refused."
    # Still failing: no new alert, the count does not grow per run.
    due_now(port)
    run_once()
    assert Alert.objects.get().occurrences == 1
    # The port opens: the check is up and the alert resolves.
    Check.objects.filter(pk=port.pk).update(port=web.port, next_run_at=timezone.now())
    run_once()
    port.refresh_from_db()
    assert port.status == CheckStatus.UP and port.consecutive_failures == 0
    assert Alert.objects.get().status == AlertStatus.RESOLVED


def test_certificate_about_to_expire_raises_a_warning(world: World, tmp_path: Path, settings: Any) -> None:
    servers = tls_servers(tmp_path)
    try:
        settings.VIGIE_PROBE_CA_FILE = str(servers.ca_file)
        allow_loopback(world)
        certificate = probe(world, "tls", "localhost", port=servers.expiring.port, retries=0, options={"warning_days": 14})
        run_once()
        certificate.refresh_from_db()
        assert certificate.status == CheckStatus.DOWN
        alert = Alert.objects.get(source_check=certificate)
        assert alert.severity == AlertSeverity.WARNING
        result = ProbeResult.objects.get(probe_check=certificate)
        assert result.details["severity"] == "warning" and result.details["days_left"] == 5
        assert result.details["issuer"] == "Vigie Test CA" and result.details["subject"] == "localhost"
        assert "not_after" in result.details
    finally:
        for server in servers.all():
            server.close()


def test_expired_claims_are_taken_over_live_ones_are_not(world: World, web: Server) -> None:
    allow_loopback(world)
    dead = probe(world, "tcp", "127.0.0.1", port=web.port)
    busy = probe(world, "tcp", "127.0.0.1", port=web.port)
    now = timezone.now()
    Check.objects.filter(pk=dead.pk).update(claimed_by="dead-host:1:abc#1", claimed_until=now - timedelta(seconds=1))
    Check.objects.filter(pk=busy.pk).update(claimed_by="live-host:2:def#1", claimed_until=now + timedelta(minutes=1))
    run_once()
    assert ProbeResult.objects.filter(probe_check=dead).count() == 1
    assert not ProbeResult.objects.filter(probe_check=busy).exists()
    busy.refresh_from_db()
    assert busy.claimed_by == "live-host:2:def#1"


def test_results_of_a_lost_claim_are_not_written(world: World, web: Server) -> None:
    allow_loopback(world)
    check = probe(world, "tcp", "127.0.0.1", port=web.port)
    jobs = store.claim_batch("mine#1", 10, store.PolicyCache())
    assert [job.check_id for job in jobs] == [check.pk]
    assert store.claim_batch("other#1", 10, store.PolicyCache()) == []  # claimed: nobody else gets it
    Check.objects.filter(pk=check.pk).update(claimed_by="other#2")  # our lease ran out, another took it
    written = store.write_results([store.Completed(jobs[0], Outcome(True, "ok", 1.0), timezone.now())], "mine")
    assert written == 0 and not ProbeResult.objects.exists()
    check.refresh_from_db()
    assert check.claimed_by == "other#2" and check.status == CheckStatus.NEW


def test_paused_while_running_stays_paused(world: World, web: Server) -> None:
    allow_loopback(world)
    check = probe(world, "tcp", "127.0.0.1", port=web.port)
    jobs = store.claim_batch("mine#1", 10, store.PolicyCache())
    # Paused without touching the claim: the run is recorded, the check stays paused.
    Check.objects.filter(pk=check.pk).update(status=CheckStatus.PAUSED, next_run_at=None)
    store.write_results([store.Completed(jobs[0], Outcome(False, "refused", None), timezone.now())], "mine")
    check.refresh_from_db()
    assert check.status == CheckStatus.PAUSED and check.next_run_at is None and check.claimed_by == ""
    assert ProbeResult.objects.filter(probe_check=check).count() == 1
    # Paused through the service while it runs: recorded, still paused, no alert.
    checks.resume_check(check, by=world.admin)
    jobs = store.claim_batch("mine#2", 10, store.PolicyCache())
    checks.pause_check(Check.objects.get(pk=check.pk), by=world.admin)
    assert store.write_results([store.Completed(jobs[0], Outcome(False, "refused", None), timezone.now())], "mine") == 1
    check.refresh_from_db()
    assert check.status == CheckStatus.PAUSED and check.next_run_at is None
    assert not Alert.objects.filter(status=AlertStatus.FIRING).exists()


def test_missed_runs_beyond_the_catch_up_window_are_not_replayed(world: World, web: Server) -> None:
    allow_loopback(world)
    check = probe(world, "tcp", "127.0.0.1", port=web.port, interval_seconds=60)
    Check.objects.filter(pk=check.pk).update(next_run_at=timezone.now() - timedelta(hours=2))
    run_once()
    check.refresh_from_db()
    assert check.next_run_at is not None and check.next_run_at > timezone.now() - timedelta(seconds=5)
    assert run_once().claimed == 0


def test_graceful_stop_records_in_flight_runs_and_gives_back_the_rest(world: World, web: Server) -> None:
    allow_loopback(world)
    quick = probe(world, "http", f"{web.url}/slow?ms=300", timeout_seconds=5)
    slow = probe(world, "http", f"{web.url}/slow?ms=3000", timeout_seconds=5)

    async def scenario() -> EngineStats:
        engine = ProbeEngine(name="stopping", concurrency=10)
        task = asyncio.create_task(engine.run(grace_seconds=1.0))
        deadline = asyncio.get_running_loop().time() + 10
        while engine.stats.claimed < 2:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.02)
        engine.stop()
        return await task

    stats = asyncio.run(scenario())
    assert stats.recorded == 1 and stats.released == 1
    assert ProbeResult.objects.filter(probe_check=quick).count() == 1
    assert not ProbeResult.objects.filter(probe_check=slow).exists()
    slow.refresh_from_db()
    assert slow.claimed_by == "" and slow.next_run_at is not None and slow.next_run_at <= timezone.now()


def test_probe_command_once(world: World, web: Server) -> None:
    allow_loopback(world)
    probe(world, "tcp", "127.0.0.1", port=web.port)
    output = io.StringIO()
    call_command("probe", "--once", "--name", "cli", stdout=output)
    assert "1" in output.getvalue() and "cli" in output.getvalue()
    assert ProbeResult.objects.get().probe_name == "cli"


def test_retention_deletes_old_results_in_batches(world: World, settings: Any) -> None:
    settings.VIGIE_PROBE_RESULT_RETENTION_DAYS = 90
    check = probe(world, "tcp", "127.0.0.1", port=22)
    now = timezone.now()
    ProbeResult.objects.bulk_create(
        [ProbeResult(probe_check=check, at=now - timedelta(days=days), ok=True) for days in (1, 30, 89, 91, 120, 400, 1000)]
    )
    assert purge_probe_results(batch=2) == 4
    assert sorted((now - at).days for at in ProbeResult.objects.values_list("at", flat=True)) == [1, 30, 89]
