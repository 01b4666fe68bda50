"""Demo data: the inventory, a little history and two days of metrics for a few machines of each
demo client, as their agents would have reported them."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from typing import Any

from vigie.cmdb.models import CIClass, ConfigurationItem
from vigie.monitoring.inventory import apply_inventory
from vigie.monitoring.metrics.rollups import roll_up_days, roll_up_hours
from vigie.monitoring.metrics.store import store_samples
from vigie.tenancy.models import Organization, OrganizationKind

MACHINES_PER_CLIENT = 2
SOFTWARE = [
    ("Microsoft 365 Apps for business - fr-fr", "16.0.17328.20162", "Microsoft Corporation"),
    ("Mozilla Firefox (x64 fr)", "123.0.1", "Mozilla"),
    ("7-Zip 23.01 (x64)", "23.01", "Igor Pavlov"),
    ("EBP Compta", "13.2.0", "EBP Informatique"),
]


def _facts(name: str, index: int, now: datetime, *, firefox: str) -> dict[str, Any]:
    free = 30 if index == 0 else 180  # the first machine's disk is nearly full
    return {
        "hostname": name,
        "vendor": "LENOVO",
        "model": "ThinkPad E14 Gen 5",
        "serial_number": f"PF{zlib.crc32(name.encode()) % 10**6:06d}",
        "bios_date": "2023-09-12",
        "chassis": "laptop",
        "cpu": "13th Gen Intel(R) Core(TM) i5-1335U",
        "cpu_cores": 10,
        "memory_bytes": 16 * 1024**3,
        "booted_at": (now - timedelta(days=2, hours=index)).isoformat(),
        "disks": [{"mount": "C:", "total_bytes": 512 * 10**9, "free_bytes": free * 10**9}],
        "os": {"name": "Microsoft Windows 11 Professionnel", "version": "10.0.22631", "installed_on": "2023-10-02"},
        "software": [
            {"name": soft, "version": firefox if soft.startswith("Mozilla") else version, "publisher": publisher}
            for soft, version, publisher in SOFTWARE
        ],
        "updates": {"pending": 2 + index, "security": 1, "last_applied_at": (now - timedelta(days=9)).isoformat()},
        "antivirus": {"name": "Microsoft Defender", "enabled": True, "signatures_at": (now - timedelta(hours=6)).isoformat()},
    }


def load_demo(now: datetime) -> int:
    """Inventory and metrics for the first laptops of each client; returns how many machines."""
    made = 0
    for client in Organization.objects.filter(kind=OrganizationKind.CLIENT, is_active=True):
        laptops = ConfigurationItem.objects.filter(organization=client, ci_class=CIClass.LAPTOP).order_by("name")
        for index, laptop in enumerate(laptops[:MACHINES_PER_CLIENT]):
            apply_inventory(client, _facts(laptop.name, index, now, firefox="122.0"), source="agent", at=now - timedelta(days=7))
            apply_inventory(
                client, _facts(laptop.name, index, now, firefox="123.0.1"), source="agent", at=now - timedelta(hours=1)
            )
            start = now - timedelta(days=2)
            for step in range(2 * 288):
                at = start + timedelta(minutes=5 * step)
                wave = (step % 288) / 288
                values = {
                    "disk.used_percent:C:": 94.0 - index * 30 + wave,
                    "memory.used_percent": 45 + 25 * wave,
                    "cpu.percent": 5 + 40 * wave * (step % 3),
                }
                store_samples(laptop.pk, [(name, at, round(value, 2)) for name, value in values.items()], now=at)
            roll_up_hours(start, now, item_ids=[laptop.pk])
            roll_up_days(start, now, item_ids=[laptop.pk])
            made += 1
    return made
