"""Demo heartbeats: for the first demo clients, a nightly backup (cron, Paris time) with a week
of runs and its restore tests, and an hourly accounting export. One client's backup failed last
night (its alert fires), one was restored recently, one long ago, one never."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim

from vigie.accounts.models import User
from vigie.monitoring.checks import create_check
from vigie.monitoring.heartbeats.pings import IncomingPing, record_ping
from vigie.monitoring.heartbeats.restore import record_restore_test
from vigie.monitoring.models import Check, PingKind
from vigie.tenancy.models import Membership, Organization, Role

BACKUP_CRON = "30 1 * * *"
LOG = "Sauvegarde terminée : 48 213 fichiers, 182,4 Go, 0 erreur.\nDurée : 01:12:40"
FAILED_LOG = "ERREUR : la cible \\\\nas01\\veeam est inaccessible (délai dépassé).\nSauvegarde interrompue."


def _admin() -> User | None:
    membership = (
        Membership.objects.filter(role=Role.ADMIN, organization__in=Organization.objects.providers())
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership is not None else None


def _send(
    check: Check, kind: str, at: datetime, *, status: int | None = None, run: uuid.UUID | None = None, body: str = ""
) -> None:
    record_ping(
        IncomingPing(
            ping_key=check.ping_key,
            kind=kind,
            method="POST" if body else "GET",
            exit_status=status,
            run_id=run,
            remote_address="192.0.2.10",
            user_agent="curl/7.88.1",
            body=body,
        ),
        now=at,
    )


def load_demo(now: datetime) -> list[Check]:
    admin = _admin()
    if admin is None:
        return []
    created: list[Check] = []
    clients = list(Organization.objects.clients().order_by("pk")[:4])
    for index, client in enumerate(clients):
        backup = create_check(
            by=admin,
            organization=client,
            kind="heartbeat",
            name="Sauvegarde nocturne (Veeam)",
            description="Sauvegarde complète du serveur de fichiers et de l'ERP vers le NAS.",
            schedule_kind="cron",
            cron_expression=BACKUP_CRON,
            schedule_timezone="Europe/Paris",
            grace_seconds=7200,
            is_backup=True,
        )
        export = create_check(
            by=admin,
            organization=client,
            kind="heartbeat",
            name="Export comptable horaire",
            period_seconds=3600,
            grace_seconds=900,
        )
        created += [backup, export]
        runs = CronSim(BACKUP_CRON, (now - timedelta(days=7)).astimezone(ZoneInfo("Europe/Paris")))
        for started in runs:
            if started >= now:
                break
            run = uuid.uuid4()
            ended = started + timedelta(minutes=70 + (index * 7) % 20)
            if ended >= now:
                break
            _send(backup, PingKind.START, started, run=run)
            last_night = ended > now - timedelta(days=1)
            if index == 1 and last_night:
                _send(backup, PingKind.EXIT, ended, status=1, run=run, body=FAILED_LOG)
            else:
                _send(backup, PingKind.EXIT, ended, status=0, run=run, body=LOG)
        for hours in range(12, 0, -1):
            _send(export, PingKind.SUCCESS, now - timedelta(hours=hours, minutes=3))
        if index == 0:
            record_restore_test(
                backup,
                by=admin,
                performed_on=(now - timedelta(days=20)).date(),
                result="success",
                evidence="Restauration de la VM ERP sur l'hôte de test ; connexion et dernière facture vérifiées.",
            )
        elif index == 2:
            record_restore_test(
                backup,
                by=admin,
                performed_on=(now - timedelta(days=400)).date(),
                result="partial",
                evidence="Fichiers restaurés, base SQL corrompue : voir le ticket de suivi.",
            )
    return created
