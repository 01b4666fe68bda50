"""Pieces of vigie-agent on their own: the queue (numbering, cap, batches), the signature the
server checks, the parsers of apt's output, the inventory it collects here."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import psutil
from vigie_agent import collect
from vigie_agent.spool import Spool
from vigie_agent.transport import signature, signed_headers

from vigie.monitoring.agents.facts import clean_facts
from vigie.monitoring.agents.services import expected_signature, hash_secret


def test_the_queue_numbers_reports_keeps_the_order_and_drops_the_oldest_past_its_cap(tmp_path):
    spool = Spool(tmp_path / "queue.sqlite3", max_bytes=1000)
    for index in range(5):
        spool.push({"payload": "x" * 100, "index": index})
    assert spool.sequences() == [1, 2, 3, 4, 5]
    batch = spool.oldest(limit=3, max_bytes=10_000)
    assert [sequence for sequence, _report in batch] == [1, 2, 3]
    assert [report["index"] for _sequence, report in batch] == [0, 1, 2]
    assert spool.oldest(limit=10, max_bytes=1)[0][0] == 1  # at least one, whatever its size
    for index in range(5, 12):
        spool.push({"payload": "x" * 100, "index": index})
    kept = spool.sequences()
    assert kept[-1] == 12 and len(kept) < 12 and kept == list(range(kept[0], 13))  # the oldest went
    spool.remove(kept[:-1])
    spool.close()
    # Numbers never go back, even once the queue is empty and reopened.
    reopened = Spool(tmp_path / "queue.sqlite3", max_bytes=1000)
    reopened.remove(reopened.sequences())
    assert reopened.push({"index": 99}) == 13
    reopened.close()


def test_the_agent_signs_as_the_server_checks():
    secret = "vga_example"
    body = json.dumps({"reports": []}).encode()
    headers = signed_headers("0b7e3f0c-1111-4222-8333-944445555666", secret, body, now=1_773_135_000)
    assert headers["X-Vigie-Timestamp"] == "1773135000"
    assert headers["X-Vigie-Signature"] == expected_signature(hash_secret(secret), "1773135000", body)
    assert signature(secret, "1773135000", body + b" ") != headers["X-Vigie-Signature"]
    assert signature("vga_other", "1773135000", body) != headers["X-Vigie-Signature"]


def test_apt_outputs_are_read():
    simulation = """NOTE: This is only a simulation!
Reading package lists...
Inst libssl3 [3.0.11-1~deb12u2] (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])
Inst openssl [3.0.11-1~deb12u2] (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])
Inst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.11/stable [all])
Conf libssl3 (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])
"""
    assert collect.parse_apt_simulation(simulation) == (3, 2)
    history = """Start-Date: 2026-03-01  10:00:01
Commandline: apt-get install htop
Install: htop:amd64 (3.2.2-2)
End-Date: 2026-03-01  10:00:05

Start-Date: 2026-03-08  22:00:00
Commandline: apt-get upgrade
Upgrade: openssl:amd64 (3.0.11-1~deb12u2, 3.0.13-1~deb12u1)
End-Date: 2026-03-08  22:01:30

Start-Date: 2026-03-09  08:00:00
Commandline: apt-get remove nano
Remove: nano:amd64 (7.2-1)
End-Date: 2026-03-09  08:00:02
"""
    last = datetime.fromisoformat(collect.parse_apt_history(history))
    assert last == datetime(2026, 3, 8, 22, 1, 30).astimezone().astimezone(UTC)


def test_this_machines_inventory_is_what_the_server_accepts():
    facts = collect.inventory()
    cleaned = clean_facts(facts)
    assert cleaned["hostname"] and cleaned["memory_bytes"] == psutil.virtual_memory().total
    assert any(disk["mount"] == "/" for disk in cleaned["disks"])
    names = {metric["name"] for metric in collect.metrics()}
    assert {"memory.used_percent", "cpu.percent", "disk.used_percent:/"} <= names
