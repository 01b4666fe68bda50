"""A realistic demo: a provider, three client companies, technicians in two groups and
about 500 tickets over the last six months in every state, built through the services.

Before the tickets, ``vigie.sla.demo`` sets up the service levels (business calendars, an SLA
policy per client with escalations, business services), so that every ticket gets its SLA
clocks; incidents are tied to the services they hurt, some with an outage; and a share of the
requesters answer their satisfaction survey."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from vigie.accounts.models import User
from vigie.catalog import demo as catalog_demo
from vigie.changes import demo as change_demo
from vigie.cmdb import demo as cmdb_demo
from vigie.contracts import demo as contracts_demo
from vigie.knowledge import demo as knowledge_demo
from vigie.notifications.dispatch import notifications_suppressed
from vigie.problems import demo as problems_demo
from vigie.servicedesk import satisfaction, services
from vigie.servicedesk.models import Category, Channel, Level, SatisfactionSurvey, Ticket, TicketStatus, TicketType
from vigie.sla import demo as sla_demo
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role, Site, TechnicianGroup

DEMO_PASSWORD = "vigie-demo-2026"  # noqa: S105 - documented demo password

CLIENTS = [
    ("Boulangerie Martin", "martin", "boulangerie-martin.fr", [("Fournil", "Lyon"), ("Boutique Croix-Rousse", "Lyon")]),
    # In Strasbourg: its business calendar has the holidays of Alsace-Moselle (see vigie.sla.demo).
    ("Cabinet Lefèvre Avocats", "lefevre", "cabinet-lefevre.fr", [("Siège", "Strasbourg")]),
    ("Transports Garnier", "garnier", "transports-garnier.fr", [("Dépôt", "Vénissieux"), ("Agence Grenoble", "Grenoble")]),
]
FIRST_NAMES = [
    "Camille",
    "Julien",
    "Léa",
    "Hugo",
    "Chloé",
    "Nicolas",
    "Manon",
    "Thomas",
    "Sarah",
    "Antoine",
    "Inès",
    "Mathieu",
    "Laura",
    "Romain",
    "Pauline",
    "Lucas",
    "Émilie",
    "Maxime",
    "Clara",
    "Quentin",
]
LAST_NAMES = [
    "Bernard",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
]
CATEGORIES = {
    "Poste de travail": ["Matériel", "Logiciel", "Lenteur"],
    "Messagerie": ["Outlook", "Boîte pleine", "Spam"],
    "Réseau": ["Wi-Fi", "VPN", "Accès Internet"],
    "Impression": ["Imprimante", "Scanner"],
    "Comptes et accès": ["Mot de passe", "Nouvel arrivant", "Droits"],
    "Sauvegarde": [],
}
INCIDENTS = [
    (
        "Poste de travail › Matériel",
        "L'écran reste noir au démarrage",
        "Depuis ce matin mon écran ne s'allume plus, le voyant est orange.",
    ),
    (
        "Poste de travail › Lenteur",
        "Ordinateur très lent",
        "Le PC met plus de 10 minutes à démarrer et les applications se figent.",
    ),
    (
        "Messagerie › Outlook",
        "Outlook ne synchronise plus",
        "Je ne reçois plus de courriels depuis hier soir, message « Déconnecté ».",
    ),
    ("Messagerie › Boîte pleine", "Boîte aux lettres pleine", "Je ne peux plus envoyer de messages, la boîte est pleine."),
    (
        "Réseau › Wi-Fi",
        "Wi-Fi instable en salle de réunion",
        "La connexion coupe toutes les cinq minutes pendant les visioconférences.",
    ),
    (
        "Réseau › VPN",
        "Impossible de se connecter au VPN",
        "Le client VPN affiche une erreur d'authentification depuis le télétravail.",
    ),
    ("Réseau › Accès Internet", "Plus d'accès Internet sur le site", "Aucun poste n'accède à Internet, la box clignote rouge."),
    ("Impression › Imprimante", "Imprimante bloquée", "L'imprimante du premier étage indique un bourrage papier permanent."),
    ("Impression › Scanner", "Le scanner n'envoie plus les numérisations", "Les numérisations vers courriel n'arrivent plus."),
    ("Sauvegarde", "Échec de la sauvegarde nocturne", "Le rapport de sauvegarde indique un échec sur le serveur de fichiers."),
    ("Comptes et accès › Mot de passe", "Compte verrouillé", "Mon compte est verrouillé après plusieurs tentatives."),
]
REQUESTS = [
    (
        "Comptes et accès › Nouvel arrivant",
        "Arrivée d'un nouveau collaborateur",
        "Merci de préparer un poste et un compte pour une arrivée lundi.",
    ),
    (
        "Comptes et accès › Droits",
        "Accès au dossier Comptabilité",
        "Merci de me donner l'accès en lecture au dossier partagé Comptabilité.",
    ),
    ("Poste de travail › Logiciel", "Installation d'un logiciel", "Pouvez-vous installer le lecteur PDF sur mon poste ?"),
    ("Poste de travail › Matériel", "Commande d'un second écran", "Je souhaiterais un second écran pour mon poste."),
    ("Messagerie › Outlook", "Création d'une adresse générique", "Merci de créer l'adresse contact@ pour l'accueil."),
]
TECH_REPLIES = [
    "Bonjour, je prends en charge votre demande et reviens vers vous rapidement.",
    "Pouvez-vous redémarrer le poste et me dire si le problème persiste ?",
    "Je me connecte à distance dans cinq minutes, merci de laisser le poste allumé.",
    "Nous avons commandé la pièce, livraison prévue sous 48 heures.",
]
CLIENT_REPLIES = [
    "Merci, c'est redémarré mais le problème persiste.",
    "Merci beaucoup, tout fonctionne.",
    "Je suis disponible cet après-midi.",
    "C'est toujours pareil ce matin.",
]
NOTES = [
    "Vu avec le fournisseur : garantie encore valable jusqu'en mars.",
    "Probable problème de pilote après la dernière mise à jour.",
    "Client sensible, prévenir le responsable avant toute intervention.",
]
RESOLUTIONS = [
    "Pilote réinstallé, poste fonctionnel.",
    "Mot de passe réinitialisé.",
    "Pièce remplacée.",
    "Configuration corrigée.",
    "Droits attribués.",
]


@dataclass
class DemoWorld:
    provider: Organization
    clients: list[Organization] = field(default_factory=list)
    technicians: dict[int, list[User]] = field(default_factory=dict)
    groups: dict[int, TechnicianGroup] = field(default_factory=dict)
    employees: dict[int, list[User]] = field(default_factory=dict)
    sites: dict[int, list[Site]] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)
    service_levels: sla_demo.ServiceLevels | None = None


def _user(email: str, first: str, last: str, organization: Organization, role: str, **extra: object) -> User:
    user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last, **extra)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


def build_organizations(rng: random.Random) -> DemoWorld:
    provider = Organization.objects.create(
        kind=OrganizationKind.PROVIDER, name="Infogérance Rhône Numérique", slug="rhone-numerique"
    )
    world = DemoWorld(provider=provider)
    admin = _user("admin@rhone-numerique.fr", "Alice", "Perrin", provider, Role.ADMIN, is_staff=True, is_superuser=True)
    world.logins.append((admin.email, "provider administrator"))
    lyon = TechnicianGroup.objects.create(organization=provider, name="Support Lyon", email="support-lyon@rhone-numerique.fr")
    alps = TechnicianGroup.objects.create(organization=provider, name="Support Alpes", email="support-alpes@rhone-numerique.fr")
    techs = [
        _user("theo.garcia@rhone-numerique.fr", "Théo", "Garcia", provider, Role.TECHNICIAN),
        _user("lina.petit@rhone-numerique.fr", "Lina", "Petit", provider, Role.TECHNICIAN),
        _user("yanis.robert@rhone-numerique.fr", "Yanis", "Robert", provider, Role.TECHNICIAN),
        _user("jade.richard@rhone-numerique.fr", "Jade", "Richard", provider, Role.TECHNICIAN),
    ]
    _user("sophie.blanc@rhone-numerique.fr", "Sophie", "Blanc", provider, Role.SERVICE_OWNER)
    lyon.members.add(techs[0], techs[1], techs[2])
    lyon.lead = techs[0]
    lyon.save()
    alps.members.add(techs[2], techs[3])
    alps.lead = techs[3]
    alps.save()
    world.logins.append((techs[0].email, "technician, Support Lyon"))
    for name, slug, domain, sites in CLIENTS:
        client = Organization.objects.create(
            name=name, slug=slug, support_email=f"support-{slug}@rhone-numerique.fr", email_domains=domain
        )
        world.clients.append(client)
        world.sites[client.pk] = [Site.objects.create(organization=client, name=s, city=c) for s, c in sites]
        group = alps if slug == "garnier" else lyon
        group.clients.add(client)
        world.groups[client.pk] = group
        world.technicians[client.pk] = list(group.members.all())
        names = rng.sample(list(zip(FIRST_NAMES, rng.sample(LAST_NAMES, len(LAST_NAMES)), strict=False)), 8)
        employees = []
        for index, (first, last) in enumerate(names):
            role = Role.CLIENT_MANAGER if index == 0 else Role.IT_CONTACT if index == 1 else Role.REQUESTER
            email = f"{first.lower().replace('é', 'e').replace('è', 'e')}.{last.lower()}@{domain}"
            employee = _user(email, first, last, client, role, job_title="Gérant" if index == 0 else "")
            employees.append(employee)
            if index in (0, 2) and slug == "martin":
                world.logins.append((email, f"{Role(role).label} at {name}"))
        world.employees[client.pk] = employees
    for parent_name, children in CATEGORIES.items():
        parent = Category.objects.create(name=parent_name)
        world.categories[parent.full_name] = parent
        for child_name in children:
            child = Category.objects.create(name=child_name, parent=parent)
            world.categories[child.full_name] = child
    return world


FINAL_STATES = [
    (TicketStatus.CLOSED, 55),
    (TicketStatus.RESOLVED, 12),
    (TicketStatus.CANCELLED, 4),
    (TicketStatus.IN_PROGRESS, 9),
    (TicketStatus.ASSIGNED, 6),
    (TicketStatus.WAITING_CUSTOMER, 5),
    (TicketStatus.WAITING_THIRD_PARTY, 3),
    (TicketStatus.NEW, 6),
]


def _pick_state(rng: random.Random, age_days: float) -> str:
    if age_days > 30:
        return rng.choices([TicketStatus.CLOSED, TicketStatus.CANCELLED], weights=[95, 5])[0]
    states, weights = zip(*FINAL_STATES, strict=True)
    return str(rng.choices(states, weights=weights)[0])


def build_ticket(world: DemoWorld, rng: random.Random, opened: datetime) -> Ticket:
    client = rng.choice(world.clients)
    is_request = rng.random() < 0.35
    category_name, title, description = rng.choice(REQUESTS if is_request else INCIDENTS)
    requester = rng.choice(world.employees[client.pk])
    tech = rng.choice(world.technicians[client.pk])
    group = world.groups[client.pk]
    channel = rng.choices([Channel.PORTAL, Channel.EMAIL, Channel.PHONE, Channel.API], weights=[45, 35, 15, 5])[0]
    opener = requester if channel in (Channel.PORTAL, Channel.EMAIL) else tech
    ticket = services.open_ticket(
        by=opener,
        organization=client,
        title=title,
        description=description,
        type=TicketType.REQUEST if is_request else TicketType.INCIDENT,
        impact=rng.choices([Level.HIGH, Level.MEDIUM, Level.LOW], weights=[15, 50, 35])[0],
        urgency=rng.choices([Level.HIGH, Level.MEDIUM, Level.LOW], weights=[20, 50, 30])[0],
        category=world.categories[category_name],
        requester=requester,
        site=rng.choice(world.sites[client.pk]),
        channel=channel,
        created_at=opened,
    )
    target = _pick_state(rng, (timezone.now() - opened).total_seconds() / 86400)
    if target == TicketStatus.NEW:
        return ticket
    latest = timezone.now() - timedelta(minutes=1)

    def later(base: datetime, delta: timedelta) -> datetime:
        """Dates move forward but never past the present, even for tickets opened today."""
        return min(base + delta, latest)

    at = later(opened, timedelta(minutes=rng.randint(5, 240)))
    if target == TicketStatus.CANCELLED:
        services.change_status(ticket, TicketStatus.CANCELLED, by=tech, at=at)
        return ticket
    services.assign_ticket(ticket, by=tech, assignee=tech, group=group, at=at)
    if target == TicketStatus.ASSIGNED:
        return ticket
    at = later(at, timedelta(minutes=rng.randint(5, 120)))
    services.add_comment(ticket, by=tech, body=rng.choice(TECH_REPLIES), at=at)
    services.change_status(ticket, TicketStatus.IN_PROGRESS, by=tech, at=at)
    if rng.random() < 0.4:
        at = later(at, timedelta(minutes=rng.randint(5, 300)))
        services.add_comment(ticket, by=tech, body=rng.choice(NOTES), internal=True, at=at)
    if rng.random() < 0.15:
        services.add_attachments(
            ticket,
            [services.Upload("journal.txt", f"{ticket.reference} — journal d'erreurs\nErreur 0x80070005\n".encode())],
            by=requester,
        )
    if target in (TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_THIRD_PARTY):
        services.change_status(ticket, target, by=tech, at=later(at, timedelta(minutes=10)))
        return ticket
    if rng.random() < 0.5:
        at = later(at, timedelta(minutes=rng.randint(10, 600)))
        services.add_comment(ticket, by=requester, body=rng.choice(CLIENT_REPLIES), channel=Channel.PORTAL, at=at)
    if target == TicketStatus.IN_PROGRESS:
        return ticket
    at = later(at, timedelta(minutes=rng.randint(20, 2880)))
    services.change_status(ticket, TicketStatus.RESOLVED, by=tech, resolution=rng.choice(RESOLUTIONS), at=at)
    if target == TicketStatus.CLOSED:
        services.change_status(ticket, TicketStatus.CLOSED, by=tech, at=later(at, timedelta(days=rng.randint(1, 5))))
    return ticket


# Satisfaction: most requesters are happy, a few are not, and some say why.
RATING_WEIGHTS = {5: 48, 4: 30, 3: 11, 2: 7, 1: 4}
SURVEY_ANSWER_SHARE = 0.6
SURVEY_COMMENT_SHARE = 0.35
SURVEY_COMMENTS = {
    5: [
        "Intervention rapide et efficace, merci beaucoup !",
        "Très réactif, problème réglé en quelques minutes.",
        "Technicien patient et pédagogue, parfait.",
    ],
    4: [
        "Bon travail, même si j'ai dû relancer une fois.",
        "Résolu, merci. Un petit mot pour prévenir de la coupure aurait été apprécié.",
    ],
    3: ["Le problème est réglé mais il a fallu attendre deux jours.", "Correct, sans plus."],
    2: ["Trop long : trois jours sans nouvelles.", "Il a fallu redémarrer plusieurs fois, pas très clair."],
    1: ["Le problème revient chaque semaine, il faudrait une vraie solution.", "Personne ne m'a rappelé."],
}


def answer_surveys(rng: random.Random, now: datetime) -> int:
    """Answer a share of the surveys the resolutions asked for, as their requesters would have."""
    answered = 0
    for survey in SatisfactionSurvey.objects.filter(rating__isnull=True, withdrawn_at__isnull=True).order_by("pk"):
        if rng.random() >= SURVEY_ANSWER_SHARE:
            continue
        window = min(now, survey.expires_at) - survey.sent_at
        if window < timedelta(minutes=30):
            continue  # just asked: not answered yet
        at = survey.sent_at + min(timedelta(minutes=rng.randint(10, 3 * 24 * 60)), window / 2)
        ratings, weights = zip(*RATING_WEIGHTS.items(), strict=True)
        rating = rng.choices(ratings, weights=weights)[0]
        comment = rng.choice(SURVEY_COMMENTS[rating]) if rating <= 2 or rng.random() < SURVEY_COMMENT_SHARE else ""
        satisfaction.answer(survey, rating=rating, comment=comment, at=at)
        answered += 1
    return answered


def load_demo(*, tickets: int = 500, seed: int = 2026) -> DemoWorld:
    """Build the demo world; nobody is e-mailed about its tickets."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    # The service levels draw from their own sequence, so the tickets stay those of the seed.
    extras = random.Random(seed + 1)  # noqa: S311 - reproducible demo data, not security
    now = timezone.now()
    with notifications_suppressed():
        with transaction.atomic():
            world = build_organizations(rng)
            owners = {client.pk: world.employees[client.pk][0] for client in world.clients}
            levels = sla_demo.build_service_levels(world.provider, world.clients, world.categories, owners)
            world.service_levels = levels
            knowledge_demo.load(world.provider, world.clients)
            catalog_demo.load(world, levels)
            contracts_demo.load(world.clients, world.employees, levels.services, levels.business_hours)
            admin = User.objects.get(memberships__organization=world.provider, memberships__role=Role.ADMIN)
            cmdb_demo.load(admin, world.clients, world.employees, levels.services)
        openings = sorted(now - timedelta(days=rng.uniform(0, 182), hours=rng.uniform(0, 9)) for _ in range(tickets))
        for opened in openings:
            with transaction.atomic():
                ticket = build_ticket(world, rng, opened)
                sla_demo.link_service(levels, ticket, extras, now)
        with transaction.atomic():
            answer_surveys(extras, now)
            change_demo.load(world.provider, world.clients, list(dict.fromkeys(world.groups.values())), levels, now)
        problems_demo.load(world)
        from vigie.monitoring import demo as monitoring_demo
        from vigie.monitoring.agents import demo as agents_demo

        monitoring_demo.load_demo(now)
        agents_demo.load_demo(now)
        # The clocks that ran out in the past escalate now, once, on the timeline only.
        from vigie.sla import clocks, escalations

        clocks.advance_states(now)
        escalations.run_escalations(now)
        # The trends read the closed months from the figures the worker keeps: have them now.
        from vigie.reports.kpis import monthly

        monthly.refresh(now=now)
    return world
