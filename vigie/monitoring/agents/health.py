"""Alerts from what a machine reports: a disk over 90 % used (warning), a disk whose SMART
verdict is failing (critical), an antivirus disabled or with signatures older than 7 days
(warning). Each resolves on its own when a later report is back to normal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from vigie.monitoring.agents.facts import parse_moment
from vigie.monitoring.alerting import Signal
from vigie.monitoring.models import AlertSeverity

DISK_FULL_PERCENT = 90.0
SIGNATURES_MAX_AGE = timedelta(days=7)
DISK_METRIC = "disk.used_percent:"


def health_signals(
    *,
    organization_id: int,
    item_id: int,
    name: str,
    facts: dict[str, Any] | None,
    metrics: list[tuple[str, float]],
    at: datetime,
    source_kind: str,
    prefix: str,
    intake_source_id: int | None = None,
) -> list[Signal]:
    """Firing or recovery signals for what this report says (a part it does not carry changes nothing)."""
    signals: list[Signal] = []

    def signal(key: str, firing: bool, severity: str, summary: str, labels: dict[str, Any]) -> None:
        signals.append(
            Signal(
                organization_id=organization_id,
                dedup_key=f"{prefix}:{item_id}:{key}",
                firing=firing,
                at=at,
                source_kind=source_kind,
                summary=summary,
                severity=severity,
                labels={"host": name, **labels},
                intake_source_id=intake_source_id,
                configuration_item_id=item_id,
            )
        )

    usage: dict[str, float] = {}
    for disk in (facts or {}).get("disks") or []:
        if disk.get("used_percent") is not None:
            usage[disk["mount"]] = float(disk["used_percent"])
    for metric, value in metrics:
        if metric.startswith(DISK_METRIC):
            usage[metric[len(DISK_METRIC) :]] = value
    for mount, percent in sorted(usage.items()):
        signal(
            f"disk:{mount}",
            percent > DISK_FULL_PERCENT,
            AlertSeverity.WARNING,
            _("%(host)s: disk %(mount)s is %(percent)s %% full") % {"host": name, "mount": mount, "percent": round(percent)},
            {"mount": mount, "used_percent": percent},
        )
    if facts is None:
        return signals
    for disk in facts.get("smart") or []:
        signal(
            f"smart:{disk['device']}",
            not disk["passed"],
            AlertSeverity.CRITICAL,
            _("%(host)s: disk %(device)s fails its SMART health check") % {"host": name, "device": disk["device"]},
            {"device": disk["device"], "model": disk.get("model", "")},
        )
    antivirus = facts.get("antivirus")
    if antivirus:
        label = antivirus.get("name") or _("antivirus")
        signal(
            "antivirus",
            antivirus.get("enabled") is False,
            AlertSeverity.WARNING,
            _("%(host)s: %(antivirus)s is disabled") % {"host": name, "antivirus": label},
            {"antivirus": label},
        )
        signatures_at = parse_moment(antivirus.get("signatures_at"), "antivirus.signatures_at")
        stale = at - signatures_at > SIGNATURES_MAX_AGE if signatures_at is not None else antivirus.get("up_to_date") is False
        if signatures_at is not None or antivirus.get("up_to_date") is not None:
            signal(
                "antivirus-signatures",
                stale,
                AlertSeverity.WARNING,
                _("%(host)s: %(antivirus)s signatures are out of date") % {"host": name, "antivirus": label},
                {"antivirus": label, "signatures_at": antivirus.get("signatures_at")},
            )
    return signals
