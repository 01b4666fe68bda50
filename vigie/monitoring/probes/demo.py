"""Demo probes: each client's web site, its certificate, its mail records and its domain, with a
day of results (one certificate about to expire, so that a warning alert shows). Written with the
models directly, like the rest of the demo's seed data; the probe process runs them for real
afterwards (their next run is due one interval after ``now``)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from vigie.monitoring.alerting import Signal, record_signal
from vigie.monitoring.checks import check_dedup_key
from vigie.monitoring.models import AlertSeverity, Check, CheckKind, CheckStatus, ProbeResult
from vigie.tenancy.models import Organization, OrganizationKind

HOURS = 24


def _checks(client: Organization) -> list[tuple[str, str, str, int | None, dict[str, Any], int]]:
    domain = f"{client.slug}.fr"
    return [
        ("Site web", CheckKind.HTTP, f"https://www.{domain}/", None, {"keyword": client.name.split()[0]}, 300),
        ("Certificat du site", CheckKind.TLS, f"www.{domain}", 443, {"warning_days": 14}, 3600),
        ("Messagerie (MX)", CheckKind.DNS, domain, None, {"record_type": "MX"}, 900),
        ("Nom de domaine", CheckKind.DOMAIN, domain, None, {"warning_days": 30}, 86400),
        ("Accès VPN", CheckKind.TCP, f"vpn.{domain}", 443, {}, 120),
    ]


def load_demo(now: datetime, seed: int = 2026) -> int:
    """Create the demo probes of every client; returns how many results were written."""
    chance = random.Random(seed)  # noqa: S311 - demo figures, not secrets
    written = 0
    for index, client in enumerate(Organization.objects.filter(kind=OrganizationKind.CLIENT).order_by("pk")):
        for name, kind, target, port, options, interval in _checks(client):
            expiring = kind == CheckKind.TLS and index == 0
            check = Check.objects.create(
                organization=client,
                name=name,
                kind=kind,
                target=target,
                port=port,
                options=options,
                interval_seconds=interval,
                status=CheckStatus.DOWN if expiring else CheckStatus.UP,
                status_changed_at=now - timedelta(hours=3),
                next_run_at=now + timedelta(seconds=interval),
                severity=AlertSeverity.CRITICAL,
            )
            results = []
            runs = min(HOURS * 3600 // interval, 300)
            for run in range(runs, 0, -1):
                at = now - timedelta(seconds=interval * run)
                latency = round(chance.uniform(20, 90) if kind != CheckKind.HTTP else chance.uniform(120, 450), 1)
                message = "Certificat valide encore 9 jours." if expiring else "OK"
                results.append(
                    ProbeResult(probe_check=check, at=at, ok=not expiring, latency_ms=latency, message=message, probe_name="demo")
                )
            ProbeResult.objects.bulk_create(results)
            written += len(results)
            last = results[-1]
            Check.objects.filter(pk=check.pk).update(
                last_result_at=last.at,
                last_latency_ms=last.latency_ms,
                last_message=last.message,
                consecutive_failures=runs if expiring else 0,
            )
            if expiring:
                record_signal(
                    Signal(
                        organization_id=client.pk,
                        dedup_key=check_dedup_key(check),
                        firing=True,
                        at=now - timedelta(hours=3),
                        source_kind="check",
                        summary=f"{name} : le certificat expire dans 9 jours.",
                        severity=AlertSeverity.WARNING,
                        check_id=check.pk,
                    )
                )
    return written
