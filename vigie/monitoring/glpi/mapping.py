"""GLPI Agent's JSON inventory (``content``: hardware, bios, operatingsystem, cpus, memories,
drives, softwares, antivirus, networks...) mapped to Vigie's machine facts.

Sizes in GLPI's format are in MB (``hardware.memory``, ``drives[].total``/``free``). A partial
inventory (``"partial": true``) only carries some sections: only those are mapped, so the rest
of the machine's inventory stays as it was.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from vigie.monitoring.agents.facts import FactsError

MB = 1024 * 1024
LAPTOP_WORDS = ("laptop", "notebook", "portable", "sub notebook", "hand held", "tablet", "convertible", "detachable")
SERVER_WORDS = ("server", "rack", "blade", "multi-system")
DESKTOP_WORDS = ("desktop", "tower", "all in one", "pizza", "mini pc", "space-saving", "lunch box")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: Any) -> str | None:
    """GLPI dates come as YYYY-MM-DD (possibly with a time) or MM/DD/YYYY."""
    text = _text(value)
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        return "-".join(match.groups())
    match = re.match(r"^(\d{2})/(\d{2})/(\d{4})", text)
    if match:
        month, day, year = match.groups()
        return f"{year}-{month}-{day}"
    return None


def _moment(value: Any) -> str | None:
    text = _text(value)
    return text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$", text) else None


def _megabytes(value: Any) -> int | None:
    try:
        return int(float(value) * MB) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _chassis(value: Any) -> str:
    text = _text(value).lower()
    if any(word in text for word in LAPTOP_WORDS):
        return "laptop"
    if any(word in text for word in SERVER_WORDS):
        return "server"
    if any(word in text for word in DESKTOP_WORDS):
        return "desktop"
    return ""


def _list(content: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = content.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise FactsError(_("content.%(section)s must be a list of objects.") % {"section": key})
    return value


def _object(content: dict[str, Any], key: str) -> dict[str, Any]:
    value = content.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FactsError(_("content.%(section)s must be an object.") % {"section": key})
    return value


def glpi_facts(message: dict[str, Any]) -> dict[str, Any]:
    """Facts for ``apply_inventory`` from a GLPI inventory message (``content`` and ``deviceid``)."""
    content = message.get("content")
    if not isinstance(content, dict):
        raise FactsError(_("The inventory has no content object."))
    facts: dict[str, Any] = {"agent_version": _text(content.get("versionclient"))[:32]}
    hardware = _object(content, "hardware")
    bios = _object(content, "bios")
    system = _object(content, "operatingsystem")
    hostname = _text(hardware.get("name")) or _text(system.get("fqdn")).split(".")[0]
    if not hostname:
        hostname = re.sub(r"-\d{4}(-\d{2}){5}$", "", _text(message.get("deviceid")))
    if hostname:
        facts["hostname"] = hostname
    if hardware:
        facts["machine_id"] = _text(hardware.get("uuid")) or _text(message.get("deviceid"))
        facts["chassis"] = _chassis(hardware.get("chassis_type"))
        vm = _text(hardware.get("vmsystem"))
        facts["virtualization"] = "" if vm.lower() in ("", "physical") else vm.lower()
        if hardware.get("memory") not in (None, ""):
            facts["memory_bytes"] = _megabytes(hardware.get("memory"))
    if bios:
        facts["vendor"] = _text(bios.get("smanufacturer") or bios.get("mmanufacturer"))
        facts["model"] = _text(bios.get("smodel") or bios.get("mmodel"))
        facts["serial_number"] = _text(bios.get("ssn") or bios.get("msn"))
        facts["bios_version"] = _text(bios.get("bversion"))
        facts["bios_date"] = _date(bios.get("bdate"))
    memories = _list(content, "memories")
    if memories and not facts.get("memory_bytes"):
        facts["memory_bytes"] = sum(_megabytes(entry.get("capacity")) or 0 for entry in memories) or None
    cpus = _list(content, "cpus")
    if cpus:
        facts["cpu"] = _text(cpus[0].get("name"))
        cores = sum(int(entry.get("core") or 0) for entry in cpus if str(entry.get("core") or "0").isdigit())
        threads = sum(int(entry.get("thread") or 0) for entry in cpus if str(entry.get("thread") or "0").isdigit())
        facts["cpu_cores"] = cores or None
        facts["cpu_threads"] = threads or None
    if system:
        name = _text(system.get("full_name")) or _text(system.get("name"))
        facts["os"] = {
            "name": name,
            "version": _text(system.get("version")),
            "kernel": _text(system.get("kernel_version")),
            "arch": _text(system.get("arch")),
            "installed_on": _date(system.get("install_date")),
            "server": "server" in name.lower(),
        }
        facts["booted_at"] = _moment(system.get("boot_time"))
    if "drives" in content:
        disks = []
        for drive in _list(content, "drives"):
            mount = _text(drive.get("letter")) or _text(drive.get("type")) or _text(drive.get("volumn"))
            total = _megabytes(drive.get("total"))
            if not mount or not total or _text(drive.get("filesystem")).lower() in ("tmpfs", "devtmpfs", "squashfs", "overlay"):
                continue
            disks.append(
                {
                    "mount": mount,
                    "device": _text(drive.get("volumn")),
                    "filesystem": _text(drive.get("filesystem")),
                    "total_bytes": total,
                    "free_bytes": _megabytes(drive.get("free")),
                }
            )
        facts["disks"] = disks
    if "networks" in content:
        facts["ip_addresses"] = sorted(
            {
                _text(entry.get(key))
                for entry in _list(content, "networks")
                for key in ("ipaddress", "ipaddress6")
                if _text(entry.get(key)) and not _text(entry.get(key)).startswith(("127.", "::1", "fe80"))
            }
        )
    if "softwares" in content:
        facts["software"] = [
            {
                "name": _text(entry.get("name")),
                "version": _text(entry.get("version")),
                "publisher": _text(entry.get("publisher")),
                "installed_on": _date(entry.get("install_date")),
            }
            for entry in _list(content, "softwares")
            if _text(entry.get("name"))
        ]
    antiviruses = _list(content, "antivirus")
    if antiviruses:
        antivirus = antiviruses[0]
        facts["antivirus"] = {
            "name": _text(antivirus.get("name")),
            "enabled": bool(antivirus.get("enabled")) if antivirus.get("enabled") is not None else None,
            "up_to_date": bool(antivirus.get("uptodate")) if antivirus.get("uptodate") is not None else None,
        }
    return facts
