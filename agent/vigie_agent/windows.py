"""Windows facts: WMI through PowerShell ``Get-CimInstance``, the registry's Uninstall keys,
``Get-HotFix`` and the Windows Update agent, Microsoft Defender's ``Get-MpComputerStatus``.

Not exercised by the test suite (it runs on Linux); each function returns plain JSON values."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime, timezone
from typing import Any

from vigie_agent.collect import chassis_name

POWERSHELL = ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command"]


def powershell(script: str, timeout: float = 120) -> Any:
    """Run a script whose output is ``ConvertTo-Json``; its value (None on failure)."""
    try:
        completed = subprocess.run([*POWERSHELL, script], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        return json.loads(completed.stdout or "null")
    except ValueError:
        return None


def machine_id() -> str:
    import winreg  # type: ignore[import-not-found,unused-ignore]

    with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography") as key:
        return str(winreg.QueryValueEx(key, "MachineGuid")[0])


def hardware() -> dict[str, Any]:
    data = (
        powershell(
            "$s = Get-CimInstance Win32_ComputerSystem; $b = Get-CimInstance Win32_BIOS; "
            "$e = Get-CimInstance Win32_SystemEnclosure; $p = Get-CimInstance Win32_Processor | Select-Object -First 1; "
            "[pscustomobject]@{vendor=$s.Manufacturer; model=$s.Model; serial=$b.SerialNumber; "
            "bios_version=$b.SMBIOSBIOSVersion; bios_date=$b.ReleaseDate.ToString('yyyy-MM-dd'); "
            "chassis=@($e.ChassisTypes)[0]; hypervisor=$s.HypervisorPresent; cpu=$p.Name} | ConvertTo-Json"
        )
        or {}
    )
    chassis = data.get("chassis")
    return {
        "vendor": (data.get("vendor") or "").strip(),
        "model": (data.get("model") or "").strip(),
        "serial_number": (data.get("serial") or "").strip(),
        "bios_version": data.get("bios_version") or "",
        "bios_date": data.get("bios_date"),
        "chassis": chassis_name(int(chassis)) if isinstance(chassis, int) else "",
        "virtualization": "vm" if data.get("hypervisor") and "virtual" in (data.get("model") or "").lower() else "",
        "cpu": (data.get("cpu") or "").strip(),
    }


def operating_system() -> dict[str, Any]:
    data = (
        powershell(
            "$o = Get-CimInstance Win32_OperatingSystem; [pscustomobject]@{name=$o.Caption; version=$o.Version; "
            "build=$o.BuildNumber; arch=$o.OSArchitecture; product_type=$o.ProductType; "
            "installed_on=$o.InstallDate.ToString('yyyy-MM-dd')} | ConvertTo-Json"
        )
        or {}
    )
    return {
        "name": (data.get("name") or "Windows").strip(),
        "version": data.get("version") or "",
        "kernel": data.get("build") or "",
        "arch": data.get("arch") or "",
        "installed_on": data.get("installed_on"),
        # Win32_OperatingSystem.ProductType: 1 workstation, 2 domain controller, 3 server.
        "server": data.get("product_type") in (2, 3),
    }


def software() -> list[dict[str, Any]]:
    import winreg  # type: ignore[import-not-found,unused-ignore]

    found: dict[tuple[str, str], dict[str, Any]] = {}
    roots = [
        (winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"),
        (winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall"),
    ]
    for hive, path in roots:
        try:
            parent = winreg.OpenKey(hive, path)
        except OSError:
            continue
        with parent:
            for index in range(winreg.QueryInfoKey(parent)[0]):
                try:
                    with winreg.OpenKey(parent, winreg.EnumKey(parent, index)) as key:
                        values = {}
                        for name in ("DisplayName", "DisplayVersion", "Publisher", "InstallDate", "SystemComponent"):
                            try:
                                values[name] = winreg.QueryValueEx(key, name)[0]
                            except OSError:
                                values[name] = None
                except OSError:
                    continue
                if not values["DisplayName"] or values["SystemComponent"] == 1:
                    continue
                installed = None
                raw = str(values["InstallDate"] or "")
                if len(raw) == 8 and raw.isdigit():
                    try:
                        installed = date(int(raw[:4]), int(raw[4:6]), int(raw[6:])).isoformat()
                    except ValueError:
                        installed = None
                entry = {
                    "name": str(values["DisplayName"]).strip(),
                    "version": str(values["DisplayVersion"] or "").strip(),
                    "publisher": str(values["Publisher"] or "").strip(),
                    "installed_on": installed,
                }
                found[(entry["name"], entry["version"])] = entry
    return sorted(found.values(), key=lambda item: (item["name"], item["version"]))


def updates() -> dict[str, Any]:
    last = powershell(
        "Get-HotFix | Where-Object InstalledOn | Sort-Object InstalledOn | Select-Object -Last 1 | "
        "ForEach-Object { $_.InstalledOn.ToUniversalTime().ToString('o') } | ConvertTo-Json"
    )
    pending = (
        powershell(
            "$s = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher(); "
            "$r = $s.Search('IsInstalled=0 and IsHidden=0 and Type=''Software'''); "
            "$security = @($r.Updates | Where-Object { $_.Categories | Where-Object { $_.Name -match 'Security' } }).Count; "
            "[pscustomobject]@{pending=$r.Updates.Count; security=$security} | ConvertTo-Json",
            timeout=600,
        )
        or {}
    )
    return {
        "manager": "windows-update",
        "pending": pending.get("pending"),
        "security": pending.get("security"),
        "last_applied_at": _utc(last) if isinstance(last, str) else None,
    }


def antivirus() -> dict[str, Any] | None:
    data = powershell(
        "Get-MpComputerStatus | ForEach-Object { [pscustomobject]@{enabled=$_.AntivirusEnabled; "
        "realtime=$_.RealTimeProtectionEnabled; signatures=$_.AntivirusSignatureLastUpdated.ToUniversalTime().ToString('o'); "
        "version=$_.AntivirusSignatureVersion} } | ConvertTo-Json"
    )
    if not isinstance(data, dict):
        return None
    return {
        "name": "Microsoft Defender",
        "enabled": bool(data.get("enabled")) and bool(data.get("realtime")),
        "signatures_at": _utc(data.get("signatures")),
        "signature_version": data.get("version") or "",
    }


def _utc(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")[:32])
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).isoformat(timespec="seconds")
