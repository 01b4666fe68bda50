"""The normalised machine facts that ``apply_inventory`` reads, whoever collected them
(``vigie-agent`` sends them as is; the GLPI Agent intake maps its own format to them).

``clean_facts`` checks the types and bounds every value, so that a malformed inventory is refused
with a reason before anything is written.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _


class FactsError(ValueError):
    """The inventory cannot be read; the message says why."""


TEXT_FIELDS = {
    "hostname": 200,
    "machine_id": 128,
    "agent_version": 32,
    "vendor": 100,
    "model": 100,
    "serial_number": 100,
    "bios_version": 100,
    "chassis": 32,
    "virtualization": 32,
    "cpu": 200,
}
INTEGER_FIELDS = ("cpu_cores", "cpu_threads", "memory_bytes")
DATE_FIELDS = ("bios_date",)
DATETIME_FIELDS = ("booted_at",)
MAX_DISKS = 200
MAX_SOFTWARE = 20000
MAX_ADDRESSES = 100


def _text(value: Any, field: str, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FactsError(_("%(field)s must be text.") % {"field": field})
    return str(value).strip()[:limit]


def _integer(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FactsError(_("%(field)s must be a whole number.") % {"field": field})
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value < 0 or value > 2**62:
        raise FactsError(_("%(field)s must be a whole number.") % {"field": field})
    return value


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FactsError(_("%(field)s must be a number.") % {"field": field})
    return float(value)


def parse_day(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise FactsError(_("%(field)s must be a date (YYYY-MM-DD).") % {"field": field})
    text = value.strip()[:10]
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise FactsError(_("%(field)s must be a date (YYYY-MM-DD).") % {"field": field})
    return parsed


def parse_moment(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise FactsError(_("%(field)s must be a date and time (ISO 8601).") % {"field": field})
    try:
        parsed = parse_datetime(value.strip().replace(" ", "T", 1))
    except ValueError:
        parsed = None
    if parsed is None:
        raise FactsError(_("%(field)s must be a date and time (ISO 8601).") % {"field": field})
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _iso_day(value: Any, field: str) -> str | None:
    parsed = parse_day(value, field)
    return parsed.isoformat() if parsed else None


def _iso_moment(value: Any, field: str) -> str | None:
    parsed = parse_moment(value, field)
    return parsed.isoformat() if parsed else None


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FactsError(_("%(field)s must be an object.") % {"field": field})
    return value


def _list(value: Any, field: str, limit: int) -> list[Any]:
    if not isinstance(value, list):
        raise FactsError(_("%(field)s must be a list.") % {"field": field})
    if len(value) > limit:
        raise FactsError(_("%(field)s has too many entries (at most %(limit)s).") % {"field": field, "limit": limit})
    return value


def clean_facts(raw: Any) -> dict[str, Any]:
    """Checked, normalised facts (JSON values only). Keys absent from ``raw`` stay absent, so
    that a partial inventory leaves the rest as it was."""
    facts = _object(raw, "inventory")
    cleaned: dict[str, Any] = {}
    for field, limit in TEXT_FIELDS.items():
        if field in facts:
            cleaned[field] = _text(facts[field], field, limit)
    if not cleaned.get("hostname") and "hostname" in facts:
        raise FactsError(_("hostname is required."))
    for field in INTEGER_FIELDS:
        if field in facts:
            cleaned[field] = _integer(facts[field], field)
    for field in DATE_FIELDS:
        if field in facts:
            cleaned[field] = _iso_day(facts[field], field)
    for field in DATETIME_FIELDS:
        if field in facts:
            cleaned[field] = _iso_moment(facts[field], field)
    if "os" in facts:
        system = _object(facts["os"], "os")
        cleaned["os"] = {
            "name": _text(system.get("name"), "os.name", 200),
            "version": _text(system.get("version"), "os.version", 100),
            "kernel": _text(system.get("kernel"), "os.kernel", 100),
            "arch": _text(system.get("arch"), "os.arch", 32),
            "installed_on": _iso_day(system.get("installed_on"), "os.installed_on"),
            "server": bool(system.get("server")),
        }
    if "disks" in facts:
        disks = []
        for index, entry in enumerate(_list(facts["disks"], "disks", MAX_DISKS)):
            disk = _object(entry, f"disks[{index}]")
            mount = _text(disk.get("mount"), f"disks[{index}].mount", 200)
            if not mount:
                raise FactsError(_("disks[%(index)s].mount is required.") % {"index": index})
            total = _integer(disk.get("total_bytes"), f"disks[{index}].total_bytes")
            free = _integer(disk.get("free_bytes"), f"disks[{index}].free_bytes")
            used = disk.get("used_percent")
            if used is None and total:
                used = round(100.0 * (total - (free or 0)) / total, 2)
            disks.append(
                {
                    "mount": mount,
                    "device": _text(disk.get("device"), "device", 200),
                    "filesystem": _text(disk.get("filesystem"), "filesystem", 32),
                    "total_bytes": total,
                    "free_bytes": free,
                    "used_percent": None if used is None else round(_number(used, f"disks[{index}].used_percent"), 2),
                }
            )
        cleaned["disks"] = disks
    if "ip_addresses" in facts:
        cleaned["ip_addresses"] = sorted(
            {_text(address, "ip_addresses", 64) for address in _list(facts["ip_addresses"], "ip_addresses", MAX_ADDRESSES)}
        )
    if "software" in facts:
        software: dict[tuple[str, str], dict[str, Any]] = {}
        for index, entry in enumerate(_list(facts["software"], "software", MAX_SOFTWARE)):
            item = _object(entry, f"software[{index}]")
            name = _text(item.get("name"), f"software[{index}].name", 300)
            if not name:
                continue
            version = _text(item.get("version"), f"software[{index}].version", 100)
            software[(name, version)] = {
                "name": name,
                "version": version,
                "publisher": _text(item.get("publisher"), "publisher", 200),
                "installed_on": _iso_day(item.get("installed_on"), f"software[{index}].installed_on"),
            }
        cleaned["software"] = [software[key] for key in sorted(software)]
    if "updates" in facts:
        updates = facts["updates"]
        if updates is None:
            cleaned["updates"] = None
        else:
            updates = _object(updates, "updates")
            cleaned["updates"] = {
                "pending": _integer(updates.get("pending"), "updates.pending"),
                "security": _integer(updates.get("security"), "updates.security"),
                "last_applied_at": _iso_moment(updates.get("last_applied_at"), "updates.last_applied_at"),
                "manager": _text(updates.get("manager"), "updates.manager", 32),
            }
    if "antivirus" in facts:
        antivirus = facts["antivirus"]
        if antivirus is None:
            cleaned["antivirus"] = None
        else:
            antivirus = _object(antivirus, "antivirus")
            enabled = antivirus.get("enabled")
            up_to_date = antivirus.get("up_to_date")
            cleaned["antivirus"] = {
                "name": _text(antivirus.get("name"), "antivirus.name", 200),
                "enabled": None if enabled is None else bool(enabled),
                "signatures_at": _iso_moment(antivirus.get("signatures_at"), "antivirus.signatures_at"),
                "up_to_date": None if up_to_date is None else bool(up_to_date),
            }
    if "smart" in facts:
        smart = facts["smart"]
        if smart is None:
            cleaned["smart"] = None
        else:
            entries = [_object(entry, "smart") for entry in _list(smart, "smart", MAX_DISKS)]
            cleaned["smart"] = [
                {
                    "device": _text(entry.get("device"), "smart.device", 200),
                    "model": _text(entry.get("model"), "smart.model", 200),
                    "passed": bool(entry.get("passed")),
                }
                for entry in entries
            ]
    if "collection_errors" in facts and isinstance(facts["collection_errors"], list):
        cleaned["collection_errors"] = [str(error)[:300] for error in facts["collection_errors"][:50]]
    return cleaned


def clean_metrics(raw: Any) -> list[tuple[str, float]]:
    """``[{"name", "value"}]`` → ``[(name, value)]``; a bad entry refuses the whole report."""
    values = []
    for index, entry in enumerate(_list(raw, "metrics", 1000)):
        item = _object(entry, f"metrics[{index}]")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise FactsError(_("metrics[%(index)s].name must be text of at most 100 characters.") % {"index": index})
        values.append((name.strip(), _number(item.get("value"), f"metrics[{index}].value")))
    return values
