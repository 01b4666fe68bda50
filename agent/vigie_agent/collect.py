"""What the agent collects: inventory facts (hardware, OS, software, updates, antivirus, disk
health) and metrics. Linux reads /sys, /proc, /etc and the package manager; Windows asks WMI
through PowerShell and the registry (see ``windows``). Every part is optional: a part that fails
is left out and named in ``collection_errors``, never fatal."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import psutil

from vigie_agent import __version__

DMI = Path("/sys/class/dmi/id")
PSEUDO_FILESYSTEMS = {
    "tmpfs",
    "devtmpfs",
    "squashfs",
    "overlay",
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "devfs",
    "autofs",
    "iso9660",
}
# SMBIOS chassis types (DMTF DSP0134, 7.4.1) grouped as the server reads them.
LAPTOP_CHASSIS = {8, 9, 10, 11, 14, 30, 31, 32}
SERVER_CHASSIS = {17, 23, 25, 28, 29}
DESKTOP_CHASSIS = {3, 4, 5, 6, 7, 13, 15, 16, 24, 34, 35, 36}


def run(command: list[str], timeout: float = 60) -> str:
    """A command's standard output ('' when it is missing or fails)."""
    if shutil.which(command[0]) is None:
        return ""
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return completed.stdout


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


# --- Linux -----------------------------------------------------------------------------------


def linux_machine_id() -> str:
    for candidate in (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id")):
        value = _read(candidate)
        if value:
            return value
    return ""


def linux_hardware() -> dict[str, Any]:
    facts: dict[str, Any] = {
        "vendor": _read(DMI / "sys_vendor"),
        "model": _read(DMI / "product_name"),
        "serial_number": _read(DMI / "product_serial"),  # readable by root only
        "bios_version": _read(DMI / "bios_version"),
        "bios_date": None,
        "chassis": "",
    }
    raw_date = _read(DMI / "bios_date")  # MM/DD/YYYY
    match = re.match(r"^(\d{2})/(\d{2})/(\d{4})$", raw_date)
    if match:
        month, day, year = (int(part) for part in match.groups())
        try:
            facts["bios_date"] = date(year, month, day).isoformat()
        except ValueError:
            pass
    chassis = _read(DMI / "chassis_type")
    if chassis.isdigit():
        facts["chassis"] = chassis_name(int(chassis))
    facts["virtualization"] = linux_virtualization()
    return facts


def chassis_name(code: int) -> str:
    if code in LAPTOP_CHASSIS:
        return "laptop"
    if code in SERVER_CHASSIS:
        return "server"
    if code in DESKTOP_CHASSIS:
        return "desktop"
    return ""


def linux_virtualization() -> str:
    detected = run(["systemd-detect-virt"], timeout=10).strip()
    if detected and detected != "none":
        return detected
    if Path("/.dockerenv").exists() or Path("/run/.containerenv").exists():
        return "container"
    if " hypervisor" in _read(Path("/proc/cpuinfo")):
        return "vm"
    return ""


def linux_cpu() -> str:
    for line in _read(Path("/proc/cpuinfo")).splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def linux_os() -> dict[str, Any]:
    release: dict[str, str] = {}
    for line in _read(Path("/etc/os-release")).splitlines():
        key, _, value = line.partition("=")
        release[key.strip()] = value.strip().strip('"')
    installed = None
    for marker in (Path("/var/log/installer"), Path("/etc/machine-id"), Path("/etc/hostname")):
        try:
            installed = date.fromtimestamp(marker.stat().st_mtime).isoformat()
            break
        except OSError:
            continue
    return {
        "name": release.get("NAME") or platform.system(),
        "version": release.get("VERSION") or release.get("VERSION_ID") or platform.release(),
        "pretty_name": release.get("PRETTY_NAME", ""),
        "kernel": platform.release(),
        "arch": platform.machine(),
        "installed_on": installed,
    }


def linux_software() -> list[dict[str, Any]]:
    output = run(["dpkg-query", "-W", "-f", "${db:Status-Status}\t${Package}\t${Version}\t${Maintainer}\n"])
    software: list[dict[str, Any]] = []
    if output:
        for line in output.splitlines():
            parts = line.split("\t")
            if len(parts) != 4 or parts[0] != "installed":
                continue
            _, name, version, maintainer = parts
            installed = None
            for list_file in (Path(f"/var/lib/dpkg/info/{name}.list"), Path(f"/var/lib/dpkg/info/{name}:amd64.list")):
                try:
                    installed = date.fromtimestamp(list_file.stat().st_mtime).isoformat()
                    break
                except OSError:
                    continue
            software.append({"name": name, "version": version, "publisher": maintainer, "installed_on": installed})
        return software
    output = run(["rpm", "-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\t%{VENDOR}\t%{INSTALLTIME}\n"])
    for line in output.splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        name, version, vendor, installed_at = parts
        installed = date.fromtimestamp(int(installed_at)).isoformat() if installed_at.isdigit() else None
        software.append(
            {"name": name, "version": version, "publisher": "" if vendor == "(none)" else vendor, "installed_on": installed}
        )
    return software


def parse_apt_simulation(output: str) -> tuple[int, int]:
    """(pending, security) from ``apt-get -s upgrade``: one ``Inst`` line per package."""
    pending = security = 0
    for line in output.splitlines():
        if line.startswith("Inst "):
            pending += 1
            if "-security" in line or "Debian-Security" in line:
                security += 1
    return pending, security


def parse_apt_history(text: str) -> str | None:
    """The end date of the last apt run that upgraded or installed packages."""
    last = None
    for entry in text.split("\n\n"):
        if "Upgrade:" not in entry and "Install:" not in entry:
            continue
        match = re.search(r"^End-Date:\s*(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2}:\d{2})", entry, re.MULTILINE)
        if match:
            local = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}").astimezone()
            last = local.astimezone(timezone.utc).isoformat(timespec="seconds")
    return last


def linux_updates() -> dict[str, Any]:
    updates: dict[str, Any] = {"pending": None, "security": None, "last_applied_at": None, "manager": ""}
    notifier = _read(Path("/var/lib/update-notifier/updates-available"))
    if shutil.which("apt-get"):
        updates["manager"] = "apt"
        output = run(["apt-get", "-s", "-o", "Debug::NoLocking=true", "upgrade"], timeout=120)
        if output:
            updates["pending"], updates["security"] = parse_apt_simulation(output)
        elif notifier:
            numbers = [int(n) for n in re.findall(r"^(\d+)", notifier, re.MULTILINE)]
            if numbers:
                updates["pending"] = numbers[0]
                updates["security"] = numbers[1] if len(numbers) > 1 else None
        history = Path("/var/log/apt/history.log")
        updates["last_applied_at"] = parse_apt_history(_read(history))
        if updates["last_applied_at"] is None:
            for log in (history, Path("/var/log/dpkg.log")):
                try:
                    updates["last_applied_at"] = iso(log.stat().st_mtime)
                    break
                except OSError:
                    continue
    elif shutil.which("dnf"):
        updates["manager"] = "dnf"
        output = run(["dnf", "-q", "check-update"], timeout=300)
        updates["pending"] = sum(
            1 for line in output.splitlines() if line and not line.startswith(" ") and "." in line.split()[0]
        )
    return updates


def smart_health() -> list[dict[str, Any]] | None:
    """Each disk's overall SMART verdict from ``smartctl --json -H`` (None without smartctl)."""
    if shutil.which("smartctl") is None:
        return None
    scan = run(["smartctl", "--json", "--scan-open"], timeout=30)
    try:
        devices = json.loads(scan or "{}").get("devices", [])
    except ValueError:
        return None
    results: list[dict[str, Any]] = []
    for device in devices:
        name = device.get("name")
        if not name:
            continue
        try:
            report = json.loads(run(["smartctl", "--json", "-H", "-i", name], timeout=60) or "{}")
        except ValueError:
            continue
        status = report.get("smart_status")
        if not isinstance(status, dict) or "passed" not in status:
            continue
        results.append({"device": name, "model": report.get("model_name", ""), "passed": bool(status["passed"])})
    return results


# --- Everywhere (psutil) ---------------------------------------------------------------------


def disks() -> list[dict[str, Any]]:
    seen: set[str] = set()
    found: list[dict[str, Any]] = []
    for partition in psutil.disk_partitions(all=False):
        if partition.fstype in PSEUDO_FILESYSTEMS or partition.mountpoint in seen:
            continue
        if sys.platform == "win32" and "cdrom" in partition.opts:
            continue
        try:
            usage = psutil.disk_usage(partition.mountpoint)
        except OSError:
            continue
        seen.add(partition.mountpoint)
        found.append(
            {
                "mount": partition.mountpoint,
                "device": partition.device,
                "filesystem": partition.fstype,
                "total_bytes": usage.total,
                "free_bytes": usage.free,
                "used_percent": usage.percent,
            }
        )
    if not found:
        root = "C:\\" if sys.platform == "win32" else "/"
        usage = psutil.disk_usage(root)
        found.append(
            {
                "mount": root,
                "device": "",
                "filesystem": "",
                "total_bytes": usage.total,
                "free_bytes": usage.free,
                "used_percent": usage.percent,
            }
        )
    return found


def addresses() -> list[str]:
    found: list[str] = []
    for name, entries in psutil.net_if_addrs().items():
        if name == "lo" or name.lower().startswith("loopback"):
            continue
        for entry in entries:
            if entry.family in (socket.AF_INET, socket.AF_INET6) and not entry.address.startswith(("127.", "::1", "fe80")):
                found.append(entry.address.split("%")[0])
    return sorted(set(found))


def inventory() -> dict[str, Any]:
    """The machine's facts, as the server's ``apply_inventory`` reads them."""
    errors: list[str] = []

    def attempt(name: str, function: Callable[[], Any], default: Any) -> Any:
        try:
            return function()
        except Exception as error:  # one failing part never stops a report
            errors.append(f"{name}: {error}")
            return default

    windows = sys.platform == "win32"
    if windows:
        from vigie_agent import windows as system
    facts: dict[str, Any] = {
        "hostname": socket.gethostname(),
        "machine_id": attempt("machine_id", system.machine_id if windows else linux_machine_id, ""),
        "agent_version": __version__,
        "cpu_cores": psutil.cpu_count(logical=False) or psutil.cpu_count(),
        "cpu_threads": psutil.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "booted_at": iso(psutil.boot_time()),
        "disks": attempt("disks", disks, []),
        "ip_addresses": attempt("ip_addresses", addresses, []),
    }
    if windows:
        facts.update(attempt("hardware", system.hardware, {}))
        facts["os"] = attempt("os", system.operating_system, {})
        facts["software"] = attempt("software", system.software, None)
        facts["updates"] = attempt("updates", system.updates, None)
        facts["antivirus"] = attempt("antivirus", system.antivirus, None)
    else:
        facts.update(attempt("hardware", linux_hardware, {}))
        facts["cpu"] = attempt("cpu", linux_cpu, "")
        facts["os"] = attempt("os", linux_os, {})
        facts["software"] = attempt("software", linux_software, None)
        facts["updates"] = attempt("updates", linux_updates, None)
        facts["antivirus"] = None
    facts["smart"] = attempt("smart", smart_health, None)
    if facts["software"] is None:
        del facts["software"]  # unknown is not "nothing installed"
    if errors:
        facts["collection_errors"] = errors
    return facts


def metrics() -> list[dict[str, Any]]:
    """Disk use per mount, memory, swap, CPU and load, as ``{"name", "value"}``."""
    values: list[dict[str, Any]] = []
    for disk in disks():
        values.append({"name": f"disk.used_percent:{disk['mount']}", "value": round(float(disk["used_percent"]), 2)})
    memory = psutil.virtual_memory()
    values.append({"name": "memory.used_percent", "value": round(float(memory.percent), 2)})
    values.append({"name": "swap.used_percent", "value": round(float(psutil.swap_memory().percent), 2)})
    values.append({"name": "cpu.percent", "value": round(float(psutil.cpu_percent(interval=0.5)), 2)})
    try:
        one, five, fifteen = psutil.getloadavg()
        values += [
            {"name": "load.1", "value": round(one, 2)},
            {"name": "load.5", "value": round(five, 2)},
            {"name": "load.15", "value": round(fifteen, 2)},
        ]
    except (OSError, AttributeError):
        pass
    return values


def machine_id() -> str:
    if sys.platform == "win32":
        from vigie_agent import windows

        return windows.machine_id()
    return linux_machine_id() or f"{socket.gethostname()}-{os.environ.get('COMPUTERNAME', '')}".strip("-")
