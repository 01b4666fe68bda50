"""The agent API on the server: enrolment, signed report batches (bad signature, stale timestamp,
replays, malformed reports), inventory → CI with its change history and software, alerts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from vigie_agent.transport import signed_headers

from vigie.cmdb.models import CIClass, ConfigurationItem
from vigie.monitoring.inventory import apply_inventory, guess_class
from vigie.monitoring.models import (
    Agent,
    Alert,
    AlertSeverity,
    AlertStatus,
    InstalledSoftware,
    IntakeLog,
    IntakeSource,
    InventorySnapshot,
    MachineInventory,
    MetricSample,
    SourceKind,
)
from vigie.monitoring.tokens import issue_source

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def facts(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "hostname": "srv-compta",
        "machine_id": "mid-compta",
        "vendor": "Dell Inc.",
        "model": "PowerEdge T150",
        "serial_number": "7XK2Q93",
        "bios_date": "2023-05-04",
        "chassis": "server",
        "virtualization": "",
        "cpu": "Intel(R) Xeon(R) E-2314 CPU @ 2.80GHz",
        "cpu_cores": 4,
        "memory_bytes": 16 * 1024**3,
        "booted_at": "2026-03-01T06:00:00+00:00",
        "disks": [{"mount": "/", "total_bytes": 500 * 10**9, "free_bytes": 300 * 10**9, "used_percent": 40.0}],
        "os": {"name": "Debian GNU/Linux", "version": "12 (bookworm)", "kernel": "6.1.0-18-amd64", "installed_on": "2024-01-15"},
        "software": [
            {"name": "openssh-server", "version": "1:9.2p1-2", "publisher": "Debian"},
            {"name": "postgresql-15", "version": "15.6-0+deb12u1", "publisher": "Debian"},
        ],
        "updates": {"pending": 3, "security": 1, "last_applied_at": "2026-03-08T22:00:00+00:00", "manager": "apt"},
        "antivirus": None,
        "smart": [{"device": "/dev/sda", "model": "SSD", "passed": True}],
    }
    base.update(overrides)
    return base


@pytest.fixture
def enrolment(world):
    source, token = issue_source(by=world.admin, organization=world.client_a, kind=SourceKind.AGENT, name="Siège")
    return source, token


def enrol(client: Client, token: str, machine_id: str = "mid-compta", hostname: str = "srv-compta") -> dict[str, Any]:
    response = client.post(
        "/agent/v1/enrol",
        data=json.dumps({"hostname": hostname, "machine_id": machine_id, "agent_version": "0.1.0"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    return response.json()


def send(client: Client, agent: dict[str, Any], reports: list[dict[str, Any]], *, now: float | None = None, tamper: bool = False):
    body = json.dumps({"reports": reports}).encode()
    headers = signed_headers(agent["agent_id"], agent["secret"], body, now=now)
    if tamper:
        body = body.replace(b"srv-compta", b"srv-pirate")
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return client.post("/agent/v1/reports", data=body, content_type="application/json", **extra)


def report(sequence: int, *, inventory: dict[str, Any] | None = None, at: datetime = NOW, metrics=None) -> dict[str, Any]:
    entry: dict[str, Any] = {"sequence": sequence, "collected_at": at.isoformat(), "agent_version": "0.1.0"}
    entry["metrics"] = metrics if metrics is not None else [{"name": "memory.used_percent", "value": 41.5}]
    if inventory is not None:
        entry["inventory"] = inventory
    return entry


def test_enrolment_creates_one_agent_per_machine_and_rekeys_it(client, enrolment, world):
    source, token = enrolment
    first = enrol(client, token)
    agent = Agent.objects.get()
    assert str(agent.agent_id) == first["agent_id"]
    assert agent.organization == world.client_a and agent.hostname == "srv-compta"
    assert first["secret"] not in agent.token_hash  # only a hash is kept
    second = enrol(client, token)
    assert second["agent_id"] == first["agent_id"] and second["secret"] != first["secret"]
    assert Agent.objects.count() == 1
    # The old secret no longer signs anything.
    assert send(client, first, [report(1, inventory=facts())]).status_code == 401
    assert send(client, second, [report(1, inventory=facts())]).status_code == 200
    enrol(client, token, machine_id="mid-other", hostname="pc-accueil")
    assert Agent.objects.count() == 2
    source.refresh_from_db()
    assert source.received_count == 3


def test_enrolment_refuses_unknown_tokens_and_other_kinds(client, world):
    _source, glpi_token = issue_source(by=None, organization=world.client_a, kind=SourceKind.GLPI_AGENT, name="GLPI")
    for token in ("vgi_nothing", glpi_token, ""):
        response = client.post(
            "/agent/v1/enrol", data="{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 401
    assert Agent.objects.count() == 0
    assert IntakeLog.objects.filter(endpoint="agent/enrol", status_code=401).count() == 3


def test_enrolment_without_hostname_is_400(client, enrolment):
    _source, token = enrolment
    response = client.post("/agent/v1/enrol", data="{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400 and "hostname" in response.json()["error"]


@time_machine.travel(NOW, tick=False)
def test_first_report_creates_the_ci_with_inventory_software_and_metrics(client, enrolment, world):
    agent = enrol(client, enrolment[1])
    response = send(client, agent, [report(1, inventory=facts())])
    assert response.status_code == 200
    assert response.json()["accepted"] == [1]
    item = ConfigurationItem.objects.get(organization=world.client_a)
    assert (item.name, item.ci_class, item.serial_number, item.vendor, item.model) == (
        "srv-compta",
        CIClass.SERVER,
        "7XK2Q93",
        "Dell Inc.",
        "PowerEdge T150",
    )
    assert item.attributes["cpu_cores"] == 4 and item.attributes["ram_gb"] == 16
    assert Agent.objects.get().configuration_item == item
    inventory = MachineInventory.objects.get(configuration_item=item)
    assert inventory.os_name == "Debian GNU/Linux" and inventory.memory_bytes == 16 * 1024**3
    assert inventory.pending_updates == 3 and inventory.security_updates == 1
    assert inventory.disks_healthy is True and str(inventory.bios_date) == "2023-05-04"
    assert sorted(InstalledSoftware.objects.filter(configuration_item=item).values_list("name", flat=True)) == [
        "openssh-server",
        "postgresql-15",
    ]
    assert MetricSample.objects.get(configuration_item=item).value == 41.5
    snapshot = InventorySnapshot.objects.get(configuration_item=item)
    assert snapshot.changes == {"first_inventory": True, "software_count": 2}


@time_machine.travel(NOW, tick=False)
def test_same_inventory_again_records_nothing_and_a_change_records_one_snapshot(client, enrolment, world):
    agent = enrol(client, enrolment[1])
    send(client, agent, [report(1, inventory=facts())])
    # Free space, boot time and pending updates move all the time: not history.
    moved = facts(
        booted_at="2026-03-09T06:00:00+00:00",
        disks=[{"mount": "/", "total_bytes": 500 * 10**9, "free_bytes": 250 * 10**9, "used_percent": 50.0}],
        updates={"pending": 5, "security": 2, "last_applied_at": "2026-03-08T22:00:00+00:00"},
    )
    assert send(client, agent, [report(2, inventory=moved)]).status_code == 200
    assert InventorySnapshot.objects.count() == 1
    changed = facts(
        memory_bytes=32 * 1024**3,
        software=[
            {"name": "openssh-server", "version": "1:9.2p1-2+deb12u2"},
            {"name": "nginx", "version": "1.22.1-9"},
        ],
    )
    assert send(client, agent, [report(3, inventory=changed)]).status_code == 200
    latest = InventorySnapshot.objects.order_by("-id").first()
    assert InventorySnapshot.objects.count() == 2
    assert latest.changes["memory_bytes"] == {"before": 16 * 1024**3, "after": 32 * 1024**3}
    assert latest.changes["software"] == {
        "added": [{"name": "nginx", "version": "1.22.1-9"}],
        "removed": [{"name": "postgresql-15", "version": "15.6-0+deb12u1"}],
        "upgraded": [{"name": "openssh-server", "before": "1:9.2p1-2", "after": "1:9.2p1-2+deb12u2"}],
    }
    assert set(latest.changes) == {"memory_bytes", "software"}
    assert InstalledSoftware.objects.count() == 2
    assert MachineInventory.objects.get().memory_bytes == 32 * 1024**3


@time_machine.travel(NOW, tick=False)
def test_bad_signature_stale_timestamp_and_unknown_agent_are_refused(client, enrolment):
    agent = enrol(client, enrolment[1])
    assert send(client, agent, [report(1, inventory=facts())], tamper=True).status_code == 401
    stale = send(client, agent, [report(1, inventory=facts())], now=(NOW - timedelta(minutes=11)).timestamp())
    assert stale.status_code == 401 and "10 minutes" in stale.json()["error"]
    future = send(client, agent, [report(1, inventory=facts())], now=(NOW + timedelta(minutes=11)).timestamp())
    assert future.status_code == 401
    stranger = {"agent_id": "00000000-0000-0000-0000-000000000000", "secret": agent["secret"]}
    assert send(client, stranger, [report(1, inventory=facts())]).status_code == 401
    assert ConfigurationItem.objects.count() == 0 and MetricSample.objects.count() == 0
    assert IntakeLog.objects.filter(endpoint="agent/reports", status_code=401).count() == 4
    # Within the window, a correct signature is accepted.
    ok = send(client, agent, [report(1, inventory=facts())], now=(NOW - timedelta(minutes=9)).timestamp())
    assert ok.status_code == 200


@time_machine.travel(NOW, tick=False)
def test_replays_and_duplicates_are_acknowledged_without_being_applied_again(client, enrolment):
    agent = enrol(client, enrolment[1])
    first = send(client, agent, [report(1, inventory=facts()), report(2)])
    assert first.json()["accepted"] == [1, 2]
    changed = facts(memory_bytes=64 * 1024**3)
    # The same sequence numbers again, even with other content: acknowledged, not applied.
    again = send(client, agent, [report(1, inventory=changed), report(2, inventory=changed)])
    assert again.status_code == 200
    assert again.json() | {"configuration_item": None} == {
        "accepted": [],
        "duplicates": [1, 2],
        "last_sequence": 2,
        "configuration_item": None,
        "interval": 300,
    }
    assert MachineInventory.objects.get().memory_bytes == 16 * 1024**3
    assert InventorySnapshot.objects.count() == 1
    # A batch mixing old and new: only the new one is applied.
    mixed = send(client, agent, [report(2), report(3, inventory=changed)])
    assert mixed.json()["accepted"] == [3] and mixed.json()["duplicates"] == [2]
    assert MachineInventory.objects.get().memory_bytes == 64 * 1024**3


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("reports", "reason"),
    [
        ("not a list", "reports"),
        ([], "500"),
        ([{"sequence": 0, "collected_at": NOW.isoformat()}], "sequence"),
        ([{"sequence": 1}], "collected_at"),
        ([{"sequence": 1, "collected_at": NOW.isoformat(), "metrics": [{"name": "x", "value": "lots"}]}], "metrics[0].value"),
        (
            [{"sequence": 1, "collected_at": NOW.isoformat(), "inventory": {"hostname": "a", "memory_bytes": "many"}}],
            "memory_bytes",
        ),
        ([{"sequence": 1, "collected_at": NOW.isoformat(), "inventory": {"hostname": ""}}], "hostname"),
        ([{"sequence": 1, "collected_at": (NOW + timedelta(hours=1)).isoformat()}], "collected_at"),
    ],
)
def test_malformed_batches_are_400_with_the_reason_and_apply_nothing(client, enrolment, reports, reason):
    agent = enrol(client, enrolment[1])
    good = report(5, inventory=facts())
    batch = [good, *reports] if isinstance(reports, list) and reports else reports
    body = json.dumps({"reports": batch}).encode()
    headers = signed_headers(agent["agent_id"], agent["secret"], body, now=NOW.timestamp())
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    response = client.post("/agent/v1/reports", data=body, content_type="application/json", **extra)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert ConfigurationItem.objects.count() == 0 and MetricSample.objects.count() == 0
    assert Agent.objects.get().last_sequence == 0
    log = IntakeLog.objects.get(endpoint="agent/reports")
    assert log.status_code == 400 and reason in log.reason


@time_machine.travel(NOW, tick=False)
def test_a_failure_while_applying_rolls_the_whole_batch_back(client, enrolment, world, monkeypatch):
    agent = enrol(client, enrolment[1])
    from vigie.monitoring.agents import services

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "store_samples", explode)
    client.raise_request_exception = False
    response = send(client, agent, [report(1, inventory=facts())])
    assert response.status_code == 500
    assert ConfigurationItem.objects.count() == 0 and MachineInventory.objects.count() == 0
    assert Agent.objects.get().last_sequence == 0


@time_machine.travel(NOW, tick=False)
def test_health_alerts_fire_and_resolve(client, enrolment, world):
    agent = enrol(client, enrolment[1])
    sick = facts(
        smart=[{"device": "/dev/sda", "passed": False}],
        antivirus={"name": "Microsoft Defender", "enabled": False, "signatures_at": (NOW - timedelta(days=9)).isoformat()},
    )
    metrics = [{"name": "disk.used_percent:/", "value": 93.4}, {"name": "disk.used_percent:/data", "value": 50.0}]
    send(client, agent, [report(1, inventory=sick, metrics=metrics)])
    item = ConfigurationItem.objects.get()
    firing = {alert.dedup_key: alert for alert in Alert.objects.filter(status=AlertStatus.FIRING)}
    assert set(firing) == {
        f"agent:{item.pk}:disk:/",
        f"agent:{item.pk}:smart:/dev/sda",
        f"agent:{item.pk}:antivirus",
        f"agent:{item.pk}:antivirus-signatures",
    }
    assert firing[f"agent:{item.pk}:smart:/dev/sda"].severity == AlertSeverity.CRITICAL
    assert firing[f"agent:{item.pk}:disk:/"].severity == AlertSeverity.WARNING
    assert all(alert.configuration_item_id == item.pk and alert.organization == world.client_a for alert in firing.values())
    # A metrics-only report keeps the disk alert firing (same alert, counted).
    send(client, agent, [report(2, metrics=[{"name": "disk.used_percent:/", "value": 95.0}])])
    assert Alert.objects.get(dedup_key=f"agent:{item.pk}:disk:/").occurrences == 2
    healthy = facts(antivirus={"name": "Microsoft Defender", "enabled": True, "signatures_at": NOW.isoformat()})
    send(client, agent, [report(3, inventory=healthy, metrics=[{"name": "disk.used_percent:/", "value": 60.0}])])
    assert Alert.objects.filter(status=AlertStatus.FIRING).count() == 0
    assert Alert.objects.filter(status=AlertStatus.RESOLVED).count() == 4


def test_apply_inventory_matches_by_serial_then_name_within_the_client(world):
    existing = ConfigurationItem.objects.create(
        organization=world.client_a, name="ancien-nom", ci_class=CIClass.WORKSTATION, serial_number="7XK2Q93"
    )
    by_serial = apply_inventory(world.client_a, facts(), source="agent", at=NOW)
    assert by_serial == existing
    named = ConfigurationItem.objects.create(organization=world.client_a, name="PC-ACCUEIL", ci_class=CIClass.WORKSTATION)
    by_name = apply_inventory(
        world.client_a, facts(hostname="pc-accueil", serial_number="To Be Filled By O.E.M."), source="agent", at=NOW
    )
    assert by_name == named and by_name.serial_number == ""
    # Another client's machine with the same serial is never touched.
    other = apply_inventory(world.client_b, facts(), source="agent", at=NOW)
    assert other.organization == world.client_b and other != existing
    assert ConfigurationItem.objects.filter(organization=world.client_a).count() == 2


def test_class_is_guessed_from_the_facts():
    assert guess_class({"chassis": "laptop", "virtualization": ""}) == CIClass.LAPTOP
    assert guess_class({"virtualization": "kvm"}) == CIClass.VIRTUAL_MACHINE
    assert guess_class({"os": {"name": "Microsoft Windows Server 2022 Standard"}}) == CIClass.SERVER
    assert guess_class({"os": {"name": "Microsoft Windows 11 Professionnel"}}) == CIClass.WORKSTATION
    assert guess_class({"chassis": "desktop", "os": {"name": "Ubuntu"}}) == CIClass.WORKSTATION
    assert guess_class({"os": {"name": "Debian GNU/Linux"}}) == CIClass.SERVER


def test_agent_token_command_prints_a_working_token(world):
    out, err = StringIO(), StringIO()
    call_command("agent-token", "martin", "--name", "Atelier", stdout=out, stderr=err)
    token = out.getvalue().strip()
    source = IntakeSource.objects.get(kind=SourceKind.AGENT)
    assert source.organization == world.client_a and source.name == "Atelier"
    assert token.startswith("vgi_") and token not in source.token_hash
    from vigie.monitoring.tokens import source_for_token

    assert source_for_token(token, SourceKind.AGENT) == source
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("agent-token", "durand", stdout=StringIO(), stderr=StringIO())  # the provider is no client


def test_demo_data_gives_machines_an_inventory_a_history_and_metrics(world):
    from vigie.monitoring.agents.demo import load_demo
    from vigie.monitoring.metrics.series import series

    laptop = ConfigurationItem.objects.create(organization=world.client_a, name="PC-MAR-01", ci_class=CIClass.LAPTOP)
    assert load_demo(NOW) == 1
    assert MachineInventory.objects.get(configuration_item=laptop).os_name == "Microsoft Windows 11 Professionnel"
    assert InventorySnapshot.objects.filter(configuration_item=laptop).count() == 2  # first inventory, then Firefox upgraded
    points = series(laptop.pk, "memory.used_percent", NOW - timedelta(days=1), NOW)
    assert len(points) == 288
    assert series(laptop.pk, "memory.used_percent", NOW - timedelta(days=7), NOW)  # hourly rollups
