"""Demo changes: a change manager, a standard template, a freeze, and changes in various states.

Everything goes through the services, as a real CAB would; it adds a few dozen rows and runs in
well under a second.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.changes import approvals, config, services
from vigie.changes.models import Change, ChangePolicy, ChangeType, RiskQuestion
from vigie.tenancy.models import Membership, Organization, Role, TechnicianGroup

PLANS: dict[str, Any] = {
    "reason": "La version actuelle n'est plus maintenue par l'éditeur : failles de sécurité non corrigées.",
    "implementation_plan": "1. Sauvegarde complète\n2. Installation de la mise à jour\n3. Redémarrage\n4. Contrôles",
    "backout_plan": "Restauration de la sauvegarde de la veille (45 min).",
    "test_plan": "Connexion de deux utilisateurs pilotes, ouverture des fichiers partagés, impression test.",
}


def _answers(worst_of_first: int) -> dict[int, int]:
    chosen = {}
    for index, question in enumerate(RiskQuestion.objects.filter(is_active=True).prefetch_related("choices")):
        choices = sorted(question.choices.all(), key=lambda c: c.weight)
        chosen[question.pk] = (choices[-1] if index < worst_of_first else choices[0]).pk
    return chosen


def _normal(by: User, cab: User, client: Organization, title: str, start: datetime, services_: list[BusinessService]) -> Change:
    change = services.create_change(
        by=by,
        organization=client,
        title=title,
        owner=by,
        services=services_,
        expected_downtime_minutes=30,
        planned_start=start,
        planned_end=start + timedelta(hours=2),
        **PLANS,
    )
    change = services.transition(change, "submit", by=by)
    change = services.transition(change, "assess", by=cab)
    change = services.assess_risk(change, by=cab, answers=_answers(2))
    return services.transition(change, "request_approval", by=cab)


def load(provider: Organization, clients: list[Organization], groups: list[TechnicianGroup], levels: Any, now: datetime) -> None:
    from vigie.servicedesk.demo import DEMO_PASSWORD

    cab = User.objects.create_user(
        email="camille.roux@rhone-numerique.fr", password=DEMO_PASSWORD, first_name="Camille", last_name="Roux"
    )
    Membership.objects.create(user=cab, organization=provider, role=Role.CHANGE_MANAGER)
    for group in groups:
        group.members.add(cab)
    ChangePolicy.objects.get_or_create(organization=provider)
    template = config.create_template(
        by=cab,
        organization=provider,
        name="Création d'un compte utilisateur",
        implementation_plan="Créer le compte, la boîte aux lettres et les droits selon la fiche d'arrivée.",
        backout_plan="Désactiver le compte.",
    )
    config.create_freeze(
        by=cab,
        organization=provider,
        name="Clôture de fin d'année",
        reason="Les clients clôturent leurs comptes : aucun changement sauf urgence.",
        starts_at=datetime(now.year, 12, 20, tzinfo=now.tzinfo),
        ends_at=datetime(now.year + 1, 1, 3, tzinfo=now.tzinfo),
    )
    day = now.replace(hour=19, minute=0, second=0, microsecond=0)
    for client in clients[:2]:
        tech = next(u for u in groups[0].members.all() if u.pk != cab.pk) if client in groups[0].clients.all() else cab
        offered = list(levels.services.get(client.pk, []))[:1] if levels is not None else []
        # Done and reviewed.
        done = _normal(tech, cab, client, "Mise à jour du pare-feu", day - timedelta(days=20), offered)
        approvals.decide(done, by=cab, decision="approved", comment="Fenêtre validée.")
        manager = Membership.objects.filter(organization=client, role=Role.CLIENT_MANAGER).first()
        if manager is not None:
            done = approvals.decide(done, by=manager.user, decision="approved", comment="D'accord, le soir.")
        for step in ("schedule", "start", "complete"):
            done = services.transition(done, step, by=cab)
        done = services.transition(done, "review", by=cab, outcome="successful", notes="Rien à signaler.")
        services.transition(done, "close", by=cab)
        # Awaiting the client manager's decision (the CAB said yes).
        waiting = _normal(tech, cab, client, "Migration de la messagerie vers Microsoft 365", day + timedelta(days=9), offered)
        approvals.decide(waiting, by=cab, decision="approved", comment="Plan solide.")
        # A standard change, approved by its template.
        standard = services.create_change(
            by=tech,
            organization=client,
            title="Compte pour la nouvelle comptable",
            type=ChangeType.STANDARD,
            template=template,
            planned_start=day + timedelta(days=2),
            planned_end=day + timedelta(days=2, hours=1),
        )
        services.transition(services.transition(standard, "submit", by=tech), "schedule", by=cab)
        # An emergency, implemented, waiting for its mandatory review.
        emergency = services.create_change(
            by=tech,
            organization=client,
            title="Correctif de sécurité urgent du serveur de fichiers",
            type=ChangeType.EMERGENCY,
            planned_start=day - timedelta(days=2),
            planned_end=day - timedelta(days=2) + timedelta(hours=1),
            **PLANS,
        )
        emergency = services.transition(emergency, "submit", by=tech)
        emergency = approvals.decide(emergency, by=cab, decision="approved", comment="ECAB : à faire ce soir.")
        for step in ("schedule", "start", "complete"):
            emergency = services.transition(emergency, step, by=cab)
        # A draft.
        services.create_change(by=tech, organization=client, title="Remplacement des bornes Wi-Fi", **PLANS)
