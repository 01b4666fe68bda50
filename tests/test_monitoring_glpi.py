"""GLPI Agent intake: CONTACT and its reply, JSON inventories compressed as the agent sends them
(zlib, gzip, deflate, none), mapping to the CI, refusals with their reason."""

from __future__ import annotations

import copy
import gzip
import json
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import pytest

from vigie.cmdb.models import CIClass, ConfigurationItem
from vigie.monitoring.models import (
    Alert,
    AlertStatus,
    InstalledSoftware,
    IntakeLog,
    IntakeSource,
    InventorySnapshot,
    MachineInventory,
    SourceKind,
)
from vigie.monitoring.tokens import issue_source

pytestmark = pytest.mark.django_db
SAMPLE = json.loads((Path(__file__).parent / "data" / "glpi_inventory_laptop.json").read_text(encoding="utf-8"))


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


ENCODINGS = {
    "application/x-compress-zlib": (zlib.compress, zlib.decompress),
    "application/x-compress-gzip": (gzip.compress, gzip.decompress),
    "application/x-compress-deflate": (deflate, lambda data: zlib.decompress(data, -15)),
    "application/json": (lambda data: data, lambda data: data),
}


@pytest.fixture
def glpi(world):
    source, token = issue_source(by=world.admin, organization=world.client_a, kind=SourceKind.GLPI_AGENT, name="GLPI")
    return source, token


def post(client, token: str, message: Any, content_type: str = "application/x-compress-zlib", raw: bytes | None = None):
    compress, decompress = ENCODINGS[content_type]
    body = raw if raw is not None else compress(json.dumps(message).encode())
    response = client.post(
        f"/glpi/{token}/", data=body, content_type=content_type, HTTP_GLPI_AGENT_ID="3a6f1ab0-0c1e-4b8e-9d5e-000000000001"
    )
    assert response["Content-Type"] == content_type
    return response, json.loads(decompress(response.content))


@pytest.mark.parametrize("content_type", list(ENCODINGS))
def test_contact_is_answered_with_when_to_come_back_and_the_inventory_task(client, glpi, content_type):
    contact = {
        "action": "contact",
        "deviceid": SAMPLE["deviceid"],
        "name": "GLPI-Agent",
        "version": "1.7.3",
        "installed-tasks": ["inventory", "deploy", "collect"],
        "enabled-tasks": ["inventory"],
        "tag": "martin",
    }
    response, reply = post(client, glpi[1], contact, content_type)
    assert response.status_code == 200
    assert reply["status"] == "ok" and reply["expiration"] == 24
    assert "inventory" in reply["tasks"]
    assert ConfigurationItem.objects.count() == 0


@pytest.mark.parametrize("content_type", list(ENCODINGS))
def test_inventory_creates_the_ci_in_any_compression(client, glpi, world, content_type):
    response, reply = post(client, glpi[1], SAMPLE, content_type)
    assert response.status_code == 200, reply
    assert reply == {"status": "ok", "expiration": 24}
    item = ConfigurationItem.objects.get(organization=world.client_a)
    assert (item.name, item.ci_class, item.serial_number, item.vendor, item.model) == (
        "PC-COMPTA-02",
        CIClass.LAPTOP,
        "4RH8H34",
        "Dell Inc.",
        "Latitude 5430",
    )
    inventory = MachineInventory.objects.get(configuration_item=item)
    assert inventory.source == "glpi"
    assert inventory.os_name == "Microsoft Windows 11 Professionnel" and inventory.os_version == "23H2"
    assert str(inventory.bios_date) == "2023-11-07" and str(inventory.os_installed_on) == "2023-11-20"
    assert inventory.memory_bytes == 16270 * 1024 * 1024
    assert (inventory.cpu, inventory.cpu_cores) == ("12th Gen Intel(R) Core(TM) i5-1245U", 10)
    assert inventory.antivirus_name == "Windows Defender" and inventory.antivirus_enabled is True
    assert {disk["mount"] for disk in inventory.data["disks"]} == {"C:", "D:"}
    assert inventory.data["ip_addresses"] == ["192.168.10.42"]
    assert InstalledSoftware.objects.filter(configuration_item=item).count() == 4
    assert InstalledSoftware.objects.get(name="EBP Compta").installed_on.isoformat() == "2025-05-03"
    source = IntakeSource.objects.get(pk=glpi[0].pk)
    assert source.received_count == 1 and source.last_received_at is not None
    # C: is 91 % full: a warning, keyed to this CI.
    alert = Alert.objects.get()
    assert alert.dedup_key == f"glpi:{item.pk}:disk:C:" and alert.status == AlertStatus.FIRING
    assert alert.intake_source_id == glpi[0].pk


def test_the_same_inventory_twice_changes_nothing_and_an_upgrade_is_recorded(client, glpi):
    post(client, glpi[1], SAMPLE)
    post(client, glpi[1], SAMPLE)
    assert InventorySnapshot.objects.count() == 1
    upgraded = copy.deepcopy(SAMPLE)
    upgraded["content"]["softwares"][1]["version"] = "124.0"
    upgraded["content"]["drives"][0]["free"] = 120000  # room again on C:
    post(client, glpi[1], upgraded, "application/x-compress-gzip")
    latest = InventorySnapshot.objects.order_by("-id").first()
    assert latest.changes == {
        "software": {"upgraded": [{"name": "Mozilla Firefox (x64 fr)", "before": "123.0.1", "after": "124.0"}]}
    }
    assert Alert.objects.get().status == AlertStatus.RESOLVED


def test_a_partial_inventory_only_touches_its_sections(client, glpi):
    post(client, glpi[1], SAMPLE)
    partial = {
        "action": "inventory",
        "deviceid": SAMPLE["deviceid"],
        "partial": True,
        "content": {
            "hardware": SAMPLE["content"]["hardware"],
            "softwares": [*SAMPLE["content"]["softwares"], {"name": "VLC media player", "version": "3.0.20"}],
        },
    }
    response, _reply = post(client, glpi[1], partial)
    assert response.status_code == 200
    inventory = MachineInventory.objects.get()
    assert inventory.os_name == "Microsoft Windows 11 Professionnel"  # kept from the full inventory
    assert InstalledSoftware.objects.count() == 5
    assert InventorySnapshot.objects.order_by("-id").first().changes == {
        "software": {"added": [{"name": "VLC media player", "version": "3.0.20"}]}
    }


def test_unknown_or_other_kind_tokens_are_401(client, world):
    _source, agent_token = issue_source(by=None, organization=world.client_a, kind=SourceKind.AGENT, name="Agents")
    for token in ("vgi_nope", agent_token):
        response, reply = post(client, token, SAMPLE)
        assert response.status_code == 401 and reply["status"] == "error"
    assert ConfigurationItem.objects.count() == 0
    assert IntakeLog.objects.filter(endpoint="glpi", status_code=401).count() == 2


@pytest.mark.parametrize(
    ("content_type", "raw", "message", "reason"),
    [
        ("application/x-compress-zlib", b"not zlib at all", None, "incorrect header check"),
        ("application/x-compress-gzip", gzip.compress(b"{not json", mtime=0), None, "JSON"),
        ("application/json", b"<?xml version='1.0'?><REQUEST><QUERY>PROLOG</QUERY></REQUEST>", None, "XML"),
        ("application/json", None, {"action": "inventory", "content": {"bios": {"ssn": "X"}}}, "content.hardware.name"),
        (
            "application/json",
            None,
            {"action": "inventory", "itemtype": "Printer", "content": {"hardware": {"name": "imp"}}},
            "Printer",
        ),
        ("application/json", None, {"action": "netdiscovery", "content": {}}, "netdiscovery"),
        (
            "application/json",
            None,
            {"action": "inventory", "content": {"hardware": {"name": "pc"}, "softwares": "many"}},
            "software",
        ),
    ],
)
def test_malformed_requests_are_400_with_the_reason(client, glpi, content_type, raw, message, reason):
    response, reply = post(client, glpi[1], message, content_type, raw=raw)
    assert response.status_code == 400
    assert reply["status"] == "error" and reason in reply["message"]
    assert ConfigurationItem.objects.count() == 0 and MachineInventory.objects.count() == 0
    log = IntakeLog.objects.get(endpoint="glpi")
    assert log.status_code == 400 and reason in log.reason and log.source_id == glpi[0].pk


def test_an_unsupported_content_type_is_415(client, glpi):
    response = client.post(f"/glpi/{glpi[1]}/", data=b"x", content_type="application/x-br")
    assert response.status_code == 415


@pytest.mark.django_db(transaction=True)
def test_over_real_http(live_server, glpi):
    """As the agent does it: a zlib body over a socket, the reply compressed the same way."""
    request = urllib.request.Request(
        f"{live_server.url}/glpi/{glpi[1]}/",
        data=zlib.compress(json.dumps(SAMPLE).encode()),
        headers={"Content-Type": "application/x-compress-zlib", "GLPI-Agent-ID": "3a6f1ab0-0c1e-4b8e-9d5e-000000000001"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/x-compress-zlib"
        assert json.loads(zlib.decompress(response.read())) == {"status": "ok", "expiration": 24}
    assert ConfigurationItem.objects.get().name == "PC-COMPTA-02"
