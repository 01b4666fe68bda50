"""Demo supervision: a few checks of each kind per demo client, with a week of probe results and
pings, so that the health board looks real: most checks up, one backup heartbeat late, one
website down with its alert and incident, a certificate near expiry raising a warning.

Checks are made through ``vigie.monitoring.checks`` and alerts through ``record_signal``; the
history (results, pings) and the resulting states are written as the probes and the heartbeat
sweeper would have left them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.cmdb.models import ConfigurationItem
from vigie.monitoring import checks as services
from vigie.monitoring.alerting.signals import Signal, record_signal
from vigie.monitoring.models import Alert, Check, CheckStatus, Ping, PingKind, ProbeResult, RestoreResult, RestoreTest
from vigie.servicedesk import services as desk_services
from vigie.servicedesk.models import Channel, Level
from vigie.tenancy.models import Organization, Role

HISTORY = timedelta(days=7)
PROBE_EVERY = timedelta(minutes=15)


def _items(client: Organization) -> dict[str, ConfigurationItem]:
    return {item.name: item for item in ConfigurationItem.objects.filter(organization=client)}


def _probe_history(check: Check, rng: random.Random, now: datetime, base_latency: float, failing_since: datetime | None) -> None:
    rows = []
    at = now - timedelta(seconds=rng.uniform(10, 200))
    while at > now - HISTORY:
        failed = failing_since is not None and at >= failing_since
        latency = None if failed else max(base_latency * rng.uniform(0.7, 1.5) + (80 if 9 <= at.hour <= 18 else 0), 1.0)
        message = "HTTP 503 Service Unavailable" if failed else ""
        rows.append(ProbeResult(probe_check=check, at=at, ok=not failed, latency_ms=latency, message=message, probe_name="demo"))
        at -= PROBE_EVERY
    rows.reverse()
    ProbeResult.objects.bulk_create(rows, batch_size=1000)
    last = rows[-1]
    Check.objects.filter(pk=check.pk).update(
        status=CheckStatus.DOWN if failing_since else CheckStatus.UP,
        status_changed_at=failing_since or now - HISTORY,
        last_result_at=last.at,
        last_latency_ms=last.latency_ms,
        last_message=last.message,
        consecutive_failures=sum(1 for row in rows if not row.ok),
        next_run_at=now + timedelta(seconds=check.interval_seconds),
    )


def _heartbeat_history(
    check: Check, rng: random.Random, now: datetime, *, hour: int, missed_last: bool, every: timedelta = timedelta(days=1)
) -> None:
    """A run every ``every`` (daily at ``hour``): a start, then a success with the job's log; the last missed if asked."""
    rows = []
    minutes = (35.0, 70.0) if every >= timedelta(days=1) else (0.3, 1.5)
    day = (now - HISTORY).replace(hour=hour, minute=0, second=0, microsecond=0)
    last_end = None
    while day < now:
        if missed_last and now - day < every:
            break
        duration = rng.uniform(*minutes) * 60
        end = day + timedelta(seconds=duration)
        if end >= now:
            break
        rows.append(Ping(heartbeat=check, at=day, kind=PingKind.START, method="GET", remote_address="10.20.0.15"))
        body = f"Veeam Agent: job finished, {rng.randint(1100, 1400)} files, {rng.uniform(40, 60):.1f} GB processed, 0 warnings"
        rows.append(
            Ping(
                heartbeat=check,
                at=end,
                kind=PingKind.SUCCESS,
                method="POST",
                remote_address="10.20.0.15",
                user_agent="curl/7.88.1",
                body=body,
                duration_seconds=duration,
            )
        )
        last_end = (end, duration)
        day += every
    Ping.objects.bulk_create(rows, batch_size=1000)
    values: dict[str, Any] = {"status": CheckStatus.LATE if missed_last else CheckStatus.UP}
    if last_end:
        values.update(last_ping_at=last_end[0], last_duration_seconds=last_end[1], status_changed_at=last_end[0])
    if missed_last:
        values["status_changed_at"] = now - timedelta(minutes=40)
        values["last_message"] = "Expected at 22:00, nothing received"
    Check.objects.filter(pk=check.pk).update(**values)


def _fire(client: Organization, check: Check, at: datetime, summary: str, severity: str, **extra: Any) -> Alert:
    alert = record_signal(
        Signal(
            client.pk,
            services.check_dedup_key(check),
            True,
            at,
            source_kind="check",
            summary=summary,
            severity=severity,
            check_id=check.pk,
            configuration_item_id=check.configuration_item_id,
            service_id=check.service_id,
            **extra,
        )
    )
    assert alert is not None
    return alert


def load_demo(now: datetime) -> int:
    """Create the demo clients' supervision; returns the number of checks made."""
    admin = User.objects.filter(memberships__role=Role.ADMIN, memberships__organization__kind="provider").order_by("pk").first()
    if admin is None:
        return 0
    rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not security
    made = 0
    for index, client in enumerate(Organization.objects.clients().order_by("pk")):
        items = _items(client)
        domain = f"{client.slug}.fr"
        website_service = BusinessService.objects.filter(organization=client).order_by("criticality", "name").first()
        with transaction.atomic():
            backup = services.create_check(
                by=admin,
                organization=client,
                kind="heartbeat",
                name="Sauvegarde nocturne Veeam",
                description="Le script de sauvegarde appelle l'adresse de ping au début et à la fin.",
                configuration_item=items.get("Sauvegarde nocturne"),
                schedule_kind="cron",
                cron_expression="0 22 * * *",
                schedule_timezone="Europe/Paris",
                grace_seconds=3600,
                is_backup=True,
            )
            export = services.create_check(
                by=admin,
                organization=client,
                kind="heartbeat",
                name="Export comptable horaire",
                period_seconds=3600,
                grace_seconds=900,
            )
            website = services.create_check(
                by=admin,
                organization=client,
                kind="http",
                name=f"Site www.{domain}",
                target=f"https://www.{domain}/",
                service=website_service,
                options={"expected_status": 200, "keyword": client.name.split()[0]},
                interval_seconds=300,
            )
            certificate = services.create_check(
                by=admin,
                organization=client,
                kind="tls",
                name=f"Certificat www.{domain}",
                target=f"www.{domain}",
                port=443,
                severity="warning",
                configuration_item=items.get(f"Certificat www.{domain}"),
                options={"warning_days": 21},
                interval_seconds=3600,
            )
            firewall = services.create_check(
                by=admin,
                organization=client,
                kind="tcp",
                name="VPN du pare-feu (TCP 443)",
                target=f"vpn.{domain}",
                port=443,
                configuration_item=items.get("Pare-feu FW-01"),
                interval_seconds=120,
            )
            dns = services.create_check(
                by=admin, organization=client, kind="dns", name=f"DNS {domain}", target=domain, options={"record_type": "MX"}
            )
            registration = services.create_check(
                by=admin, organization=client, kind="domain", name=f"Nom de domaine {domain}", target=domain, severity="warning"
            )
            made += 7
            website_down = index == 0
            _probe_history(website, rng, now, 180.0, now - timedelta(minutes=35) if website_down else None)
            _probe_history(certificate, rng, now, 45.0, None)
            _probe_history(firewall, rng, now, 12.0, None)
            _probe_history(dns, rng, now, 8.0, None)
            _probe_history(registration, rng, now, 250.0, None)
            Check.objects.filter(pk=certificate.pk).update(last_message="Expire dans 12 jours (Let's Encrypt R11)")
            Check.objects.filter(pk=registration.pk).update(last_message="Le domaine expire dans 40 jours")
            _heartbeat_history(backup, rng, now, hour=20, missed_last=index == 0)
            _heartbeat_history(export, rng, now, hour=0, missed_last=False, every=timedelta(hours=1))
            if index == 1:
                RestoreTest.objects.create(
                    backup=backup,
                    performed_on=(now - timedelta(days=25)).date(),
                    result=RestoreResult.SUCCESS,
                    performed_by=admin,
                    evidence="Restauration du dossier Comptabilité sur VM-TEST, fichiers ouverts et comparés.",
                )
        if index == 0:
            alert = _fire(
                client, website, now - timedelta(minutes=35), f"Site www.{domain} ne répond plus (HTTP 503)", "critical"
            )
            for minutes in (30, 25, 20, 15, 10, 5):
                _fire(client, website, now - timedelta(minutes=minutes), alert.summary, "critical")
            alert.refresh_from_db()
            if alert.ticket_id is None:
                ticket = desk_services.open_ticket(
                    by=admin,
                    organization=client,
                    title=f"Site www.{domain} inaccessible",
                    description="Ouvert depuis l'alerte de supervision : le site répond HTTP 503 depuis 35 minutes.",
                    impact=Level.HIGH,
                    urgency=Level.HIGH,
                    channel=Channel.MONITORING,
                )
                Alert.objects.filter(pk=alert.pk).update(ticket=ticket)
        if index in (0, 2):
            _fire(client, certificate, now - timedelta(hours=6), f"Certificat www.{domain} : expire dans 12 jours", "warning")
        # An alert from the client's own monitoring, seen and resolved last week.
        record_signal(
            Signal(
                client.pk,
                "demo:disk:VM-FICHIERS:D",
                True,
                now - timedelta(days=5),
                "alertmanager",
                summary="Disque D: de VM-FICHIERS plein à 93 %",
                severity="warning",
                configuration_item_id=getattr(items.get("VM-FICHIERS"), "pk", None),
            )
        )
        record_signal(Signal(client.pk, "demo:disk:VM-FICHIERS:D", False, now - timedelta(days=4, hours=20), "alertmanager"))
    return made
