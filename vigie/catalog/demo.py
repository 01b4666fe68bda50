"""Demo data of the catalog: recovery objectives and SLA policy on the demo services, and a few
realistic request templates (in French) for the demo clients."""

from __future__ import annotations

from typing import Any

from vigie.accounts.models import User
from vigie.catalog.models import (
    ApprovalRule,
    BusinessService,
    Criticality,
    FieldKind,
    TaskFlow,
    TemplateAudience,
)
from vigie.catalog.template_services import FieldSpec, TaskSpec, create_template
from vigie.servicedesk.models import Category, Level
from vigie.tenancy.models import Organization, Role, TechnicianGroup

# Criticality → (RTO, RPO) in minutes: a vital service is back within 4 h losing at most 1 h of data.
OBJECTIVES = {
    Criticality.VITAL: (4 * 60, 60),
    Criticality.HIGH: (8 * 60, 4 * 60),
    Criticality.MEDIUM: (24 * 60, 24 * 60),
    Criticality.LOW: (72 * 60, 24 * 60),
}


def _objectives(levels: Any) -> None:
    for client_id, services in levels.services.items():
        policies = levels.policies.get(client_id) or []
        general = policies[-1] if policies else None
        for service in services:
            rto, rpo = OBJECTIVES[Criticality(service.criticality)]
            BusinessService.objects.filter(pk=service.pk).update(rto_minutes=rto, rpo_minutes=rpo, sla_policy=general)


def load(world: Any, levels: Any = None) -> None:
    """The catalog of the demo (``world`` is the service desk's ``DemoWorld``)."""
    admin = User.objects.filter(memberships__organization=world.provider, memberships__role=Role.ADMIN).first()
    if admin is None:
        return
    build(admin=admin, clients=world.clients, categories=world.categories, groups=world.groups, levels=levels)


def build(
    *,
    admin: User,
    clients: list[Organization],
    categories: dict[str, Category],
    groups: dict[int, TechnicianGroup],
    levels: Any = None,
) -> None:
    """Objectives on the demo services and five request templates."""
    if levels is not None:
        _objectives(levels)
    by_slug = {client.slug: client for client in clients}
    lyon = next(iter(groups.values()), None)
    create_template(
        by=admin,
        name="Arrivée d'un collaborateur",
        icon="👋",
        description="Préparez l'arrivée d'une nouvelle recrue : compte Microsoft 365, poste de travail et badge.",
        category=categories.get("Comptes et accès › Nouvel arrivant"),
        approval=ApprovalRule.CLIENT_MANAGER,
        task_flow=TaskFlow.SEQUENTIAL,
        is_published=True,
        fields=[
            FieldSpec("Prénom et nom", FieldKind.SHORT_TEXT, required=True),
            FieldSpec("Date d'arrivée", FieldKind.DATE, required=True),
            FieldSpec("Fonction", FieldKind.SHORT_TEXT),
            FieldSpec("Responsable", FieldKind.USER, required=True, help_text="Qui accueille la personne."),
            FieldSpec("Poste de travail", FieldKind.SINGLE_CHOICE, required=True, choices=["Portable", "Fixe", "Aucun"]),
            FieldSpec("Applications", FieldKind.MULTIPLE_CHOICE, choices=["Microsoft 365", "Logiciel métier", "Comptabilité"]),
            FieldSpec("Télétravail", FieldKind.YES_NO),
        ],
        tasks=[
            TaskSpec("Créer le compte Microsoft 365", "Licence, boîte aux lettres, groupes et MFA."),
            TaskSpec("Préparer le poste de travail", "Masterisation, applications demandées, chiffrement du disque."),
            TaskSpec("Programmer le badge d'accès", "Badge et droits d'accès aux locaux."),
        ],
    )
    create_template(
        by=admin,
        name="Demande de logiciel",
        icon="💿",
        description="Un logiciel à installer sur votre poste, avec l'accord de votre responsable.",
        category=categories.get("Poste de travail › Logiciel"),
        urgency=Level.LOW,
        approval=ApprovalRule.CLIENT_MANAGER,
        is_published=True,
        fields=[
            FieldSpec("Logiciel", FieldKind.SINGLE_CHOICE, required=True, choices=["Adobe Acrobat Pro", "AutoCAD LT", "Autre"]),
            FieldSpec("Autre logiciel", FieldKind.SHORT_TEXT, help_text="Si « Autre » : lequel ?"),
            FieldSpec("Justification", FieldKind.LONG_TEXT, required=True),
        ],
        tasks=[TaskSpec("Vérifier la licence"), TaskSpec("Installer le logiciel")],
    )
    vpn_clients = [by_slug[slug] for slug in ("lefevre", "garnier") if slug in by_slug]
    if vpn_clients:
        create_template(
            by=admin,
            name="Accès VPN",
            icon="🔐",
            description="Travailler à distance en toute sécurité.",
            audience=TemplateAudience.CHOSEN_CLIENTS,
            clients=vpn_clients,
            category=categories.get("Réseau › VPN"),
            is_published=True,
            fields=[
                FieldSpec("À partir du", FieldKind.DATE, required=True),
                FieldSpec("Poste personnel", FieldKind.YES_NO, help_text="L'accès depuis un poste personnel est déconseillé."),
            ],
            tasks=[TaskSpec("Créer le profil VPN", group=None), TaskSpec("Envoyer la procédure de connexion")],
        )
    create_template(
        by=admin,
        name="Matériel",
        icon="🖥️",
        description="Écran, clavier, casque, souris : du matériel pour votre poste.",
        category=categories.get("Poste de travail › Matériel"),
        urgency=Level.LOW,
        task_flow=TaskFlow.PARALLEL,
        is_published=True,
        fields=[
            FieldSpec("Matériel", FieldKind.MULTIPLE_CHOICE, required=True, choices=["Écran", "Clavier", "Souris", "Casque"]),
            FieldSpec("Quantité", FieldKind.NUMBER),
            FieldSpec("Remarques", FieldKind.LONG_TEXT),
        ],
        tasks=[TaskSpec("Commander le matériel"), TaskSpec("Livrer et installer")],
    )
    martin = by_slug.get("martin")
    if martin is not None:
        tills = BusinessService.objects.filter(organization=martin, name__startswith="Caisses").first()
        manager = martin.memberships.filter(role="client_manager").first()
        create_template(
            by=admin,
            name="Nouveau terminal de paiement",
            icon="💳",
            description="Un terminal de paiement supplémentaire ou de remplacement pour une boutique.",
            audience=TemplateAudience.ONE_CLIENT,
            organization=martin,
            service=tills,
            group=lyon if lyon is not None and lyon.clients.filter(pk=martin.pk).exists() else None,
            approval=ApprovalRule.NAMED if manager is not None else ApprovalRule.NONE,
            approver=manager.user if manager is not None else None,
            is_published=True,
            fields=[FieldSpec("Boutique", FieldKind.SHORT_TEXT, required=True), FieldSpec("Pour le", FieldKind.DATE)],
            tasks=[TaskSpec("Commander le terminal auprès de la banque"), TaskSpec("Paramétrer et tester le terminal")],
        )
