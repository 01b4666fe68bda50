"""The real ``vigie-agent`` (a subprocess, this machine's real facts) against a live server:
enrol, report, nothing new on a second run, one snapshot for a change, queue while the server
is down and send the queue in one batch, oldest first, when it is back."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from vigie.cmdb.models import ConfigurationItem
from vigie.monitoring.models import Agent, InstalledSoftware, InventorySnapshot, MachineInventory, MetricSample, SourceKind
from vigie.monitoring.tokens import issue_source

AGENT_DIR = Path(__file__).resolve().parent.parent / "agent"


def agent(config: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{AGENT_DIR}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [sys.executable, "-m", "vigie_agent", "--config", str(config), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def queued(config: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(config.with_name(config.stem + "-queue.sqlite3")) as db:
        return [
            (sequence, json.loads(body)["collected_at"])
            for sequence, body in db.execute("SELECT sequence, body FROM report ORDER BY sequence")
        ]


@pytest.mark.django_db(transaction=True)
def test_the_agent_enrols_reports_and_queues_against_a_live_server(live_server, world, tmp_path):
    _source, token = issue_source(by=world.admin, organization=world.client_a, kind=SourceKind.AGENT, name="Atelier")
    config = tmp_path / "etc" / "agent.json"

    enrolled = agent(config, "enrol", "--server", live_server.url, "--token", token)
    assert enrolled.returncode == 0, enrolled.stderr
    saved = json.loads(config.read_text())
    assert saved["server"] == live_server.url and saved["secret"].startswith("vga_")
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert str(Agent.objects.get().agent_id) == saved["agent_id"]

    first = agent(config, "run", "--once")
    assert first.returncode == 0, first.stderr
    item = ConfigurationItem.objects.get(organization=world.client_a)
    assert item.name == socket.gethostname()
    inventory = MachineInventory.objects.get(configuration_item=item)
    assert inventory.source == "agent"
    assert inventory.memory_bytes == psutil.virtual_memory().total
    assert inventory.cpu_cores == (psutil.cpu_count(logical=False) or psutil.cpu_count())
    disks = {disk["mount"]: disk for disk in inventory.data["disks"]}
    assert disks["/"]["total_bytes"] == psutil.disk_usage("/").total
    assert inventory.booted_at is not None and inventory.booted_at.timestamp() == pytest.approx(psutil.boot_time(), abs=1)
    assert inventory.os_name  # /etc/os-release
    software = InstalledSoftware.objects.filter(configuration_item=item)
    assert software.count() > 10 and software.filter(name="python3").exists() == Path("/usr/bin/python3").exists()
    names = set(MetricSample.objects.filter(configuration_item=item).values_list("name", flat=True))
    assert {"disk.used_percent:/", "memory.used_percent", "cpu.percent", "load.1"} <= names
    assert InventorySnapshot.objects.filter(configuration_item=item).count() == 1

    second = agent(config, "run", "--once")
    assert second.returncode == 0, second.stderr
    assert InventorySnapshot.objects.filter(configuration_item=item).count() == 1, list(
        InventorySnapshot.objects.values_list("changes", flat=True)
    )  # nothing changed
    assert Agent.objects.get().last_sequence == 2

    # The machine "had" another amount of memory: the next report records exactly that change.
    MachineInventory.objects.filter(pk=inventory.pk).update(data={**inventory.data, "memory_bytes": 1024**3})
    third = agent(config, "run", "--once")
    assert third.returncode == 0, third.stderr
    change = InventorySnapshot.objects.filter(configuration_item=item).order_by("-id").first()
    assert InventorySnapshot.objects.filter(configuration_item=item).count() == 2
    assert change.changes == {"memory_bytes": {"before": 1024**3, "after": psutil.virtual_memory().total}}

    # The server is unreachable: reports wait in the queue.
    config.write_text(json.dumps({**saved, "server": f"http://127.0.0.1:{free_port()}"}))
    for _attempt in range(2):
        down = agent(config, "run", "--once")
        assert down.returncode == 3 and "unreachable" in down.stderr
    waiting = queued(config)
    assert [sequence for sequence, _at in waiting] == [4, 5]
    assert Agent.objects.get().last_sequence == 3

    # Back: the queue and the new report go in one batch, oldest first.
    config.write_text(json.dumps(saved))
    back = agent(config, "run", "--once")
    assert back.returncode == 0, back.stderr
    assert queued(config) == []
    reporting = Agent.objects.get()
    assert reporting.last_sequence == 6
    stored = set(MetricSample.objects.filter(configuration_item=item, name="memory.used_percent").values_list("at", flat=True))
    assert {at for _sequence, at in waiting} <= {moment.isoformat() for moment in stored}
    assert len(stored) == 6
    status = agent(config, "status")
    assert json.loads(status.stdout)["queued"] == 0


@pytest.mark.django_db(transaction=True)
def test_enrolment_with_a_bad_token_fails_cleanly(live_server, world, tmp_path):
    config = tmp_path / "agent.json"
    refused = agent(config, "enrol", "--server", live_server.url, "--token", "vgi_wrong")
    assert refused.returncode != 0 and "refused" in refused.stderr
    assert not config.exists()
    assert Agent.objects.count() == 0
