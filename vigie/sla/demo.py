"""Service levels of the demo: business calendars, an SLA policy per client (and one for a
category), escalation rules, and the business services each client runs on.

Built before the demo's tickets, so that every ticket opened afterwards gets its SLA clocks from
the engine through the same services as real tickets. The configuration is written with the
models directly, like the demo's organisations: it is seed data, checked by ``tests/test_demo.py``.

| priority | response | resolution | calendar |
|---|---|---|---|
| P1 | 15 min | 4 h | 24×7 |
| P2 | 30 min | 8 h | business hours |
| P3 | 2 h | 2 business days | business hours |
| P4 | 4 h | 5 business days | business hours |
| P5 | 1 business day | 10 business days | business hours |

A business day of « Heures ouvrées » is 8 h 30 (08:30–12:30 and 13:30–18:00, Monday to Friday).
"Waiting for customer" pauses the resolution clock (the model's default), not the response.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import holidays
from django.utils import timezone

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService, Criticality
from vigie.servicedesk.models import FINISHED_STATUSES, Category, Level, Priority, Ticket, TicketStatus, TicketType
from vigie.sla.models import (
    BusinessCalendar,
    CalendarClosure,
    ClockKind,
    EscalationAction,
    EscalationRule,
    OpeningRange,
    SlaPolicy,
    SlaTarget,
    Weekday,
)
from vigie.tenancy.models import Organization

BUSINESS_HOURS = "Heures ouvrées (Paris)"
AROUND_THE_CLOCK = "24×7"
OFFICE_RANGES = ((time(8, 30), time(12, 30)), (time(13, 30), time(18, 0)))
BUSINESS_DAY_MINUTES = 8 * 60 + 30
# Clients whose offices are in Alsace or Moselle: their calendar adds the regional holidays
# (Good Friday, 26 December). Keyed by the client's slug: (calendar name, holiday region).
REGIONAL_CALENDARS = {"lefevre": ("Heures ouvrées (Strasbourg)", "6AE")}

# priority: (response minutes, resolution minutes, around the clock)
TARGETS: dict[int, tuple[int, int, bool]] = {
    Priority.P1: (15, 4 * 60, True),
    Priority.P2: (30, 8 * 60, False),
    Priority.P3: (2 * 60, 2 * BUSINESS_DAY_MINUTES, False),
    Priority.P4: (4 * 60, 5 * BUSINESS_DAY_MINUTES, False),
    Priority.P5: (BUSINESS_DAY_MINUTES, 10 * BUSINESS_DAY_MINUTES, False),
}
# The transport company's depots stop when the network does: tighter targets for "Réseau".
CATEGORY_POLICY = ("garnier", "Réseau", "Réseau des dépôts")
CATEGORY_TARGETS: dict[int, tuple[int, int, bool]] = {
    Priority.P1: (15, 2 * 60, True),
    Priority.P2: (15, 4 * 60, True),
    Priority.P3: (60, BUSINESS_DAY_MINUTES, False),
    Priority.P4: (2 * 60, 2 * BUSINESS_DAY_MINUTES, False),
    Priority.P5: (4 * 60, 5 * BUSINESS_DAY_MINUTES, False),
}
SATISFACTION_PERCENT = {"martin": 100, "lefevre": 50, "garnier": 80}

# Business services: (name, criticality, hourly cost of downtime in €, categories whose incidents
# hurt it, description).
SERVICES: dict[str, list[tuple[str, int, int, tuple[str, ...], str]]] = {
    "martin": [
        (
            "Caisses et paiement par carte",
            Criticality.VITAL,
            450,
            ("Réseau › Accès Internet",),
            "Les caisses des deux boutiques et les terminaux de paiement.",
        ),
        ("Commandes en ligne", Criticality.HIGH, 180, ("Réseau › Accès Internet",), "Le site de click & collect."),
        ("Messagerie", Criticality.MEDIUM, 60, ("Messagerie › Outlook", "Messagerie › Boîte pleine"), "Microsoft 365."),
        ("Comptabilité et paie", Criticality.LOW, 40, ("Sauvegarde",), "Le logiciel comptable et ses sauvegardes."),
    ],
    "lefevre": [
        (
            "Logiciel de gestion du cabinet",
            Criticality.VITAL,
            800,
            ("Poste de travail › Lenteur", "Sauvegarde"),
            "Dossiers clients, agenda, temps passés et facturation.",
        ),
        ("Messagerie", Criticality.HIGH, 250, ("Messagerie › Outlook", "Messagerie › Boîte pleine"), "Microsoft 365."),
        ("Accès distant (VPN)", Criticality.HIGH, 150, ("Réseau › VPN",), "Le télétravail des avocats."),
        ("Impression et numérisation", Criticality.LOW, 30, ("Impression › Imprimante", "Impression › Scanner"), ""),
    ],
    "garnier": [
        (
            "Planification des tournées",
            Criticality.VITAL,
            1500,
            ("Réseau › Accès Internet", "Réseau › VPN"),
            "Le TMS : tournées, chargements, bons de livraison.",
        ),
        ("Géolocalisation de la flotte", Criticality.HIGH, 400, ("Réseau › Accès Internet",), "Les boîtiers des camions."),
        ("Réseau des dépôts", Criticality.HIGH, 600, ("Réseau › Wi-Fi", "Réseau › Accès Internet"), "Wi-Fi et scanners."),
        ("Messagerie", Criticality.MEDIUM, 80, ("Messagerie › Outlook", "Messagerie › Boîte pleine"), "Microsoft 365."),
        ("Sauvegardes", Criticality.MEDIUM, 50, ("Sauvegarde",), "Serveur de fichiers et sauvegardes externalisées."),
    ],
}
# Share of the incidents that hit a service with a high impact and stopped it (an outage).
OUTAGE_SHARE = 0.6


@dataclass
class ServiceLevels:
    """What the demo's service levels are made of, for the ticket generator and the tests."""

    business_hours: BusinessCalendar
    around_the_clock: BusinessCalendar
    calendars: dict[int, BusinessCalendar] = field(default_factory=dict)  # per client
    policies: dict[int, list[SlaPolicy]] = field(default_factory=dict)
    services: dict[int, list[BusinessService]] = field(default_factory=dict)
    # client id → category full name → the services its incidents hurt
    services_by_category: dict[int, dict[str, list[BusinessService]]] = field(default_factory=dict)


def _office_calendar(organization: Organization, name: str, *, subdivision: str = "") -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(
        organization=organization, name=name, time_zone="Europe/Paris", holiday_country="FR", holiday_subdivision=subdivision
    )
    OpeningRange.objects.bulk_create(
        OpeningRange(calendar=calendar, weekday=day, start=start, end=end)
        for day in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY)
        for start, end in OFFICE_RANGES
    )
    return calendar


def _bridge_days(today: date) -> list[tuple[date, str]]:
    """The Friday after Ascension Day (« pont de l'Ascension ») of last, this and next year."""
    found = []
    for year in (today.year - 1, today.year, today.year + 1):
        for day in holidays.country_holidays("FR", years=year).get_named("Ascension"):
            found.append((day + timedelta(days=1), "Pont de l'Ascension"))
    return sorted(set(found))


def build_calendars(provider: Organization, clients: list[Organization]) -> ServiceLevels:
    business = _office_calendar(provider, BUSINESS_HOURS)
    CalendarClosure.objects.bulk_create(
        CalendarClosure(calendar=business, date=day, name=name) for day, name in _bridge_days(timezone.localdate())
    )
    around = BusinessCalendar.objects.create(
        organization=provider, name=AROUND_THE_CLOCK, time_zone="Europe/Paris", is_24x7=True, holiday_country=""
    )
    levels = ServiceLevels(business_hours=business, around_the_clock=around)
    for client in clients:
        regional = REGIONAL_CALENDARS.get(client.slug)
        if regional is not None:
            name, subdivision = regional
            levels.calendars[client.pk] = _office_calendar(client, name, subdivision=subdivision)
        else:
            levels.calendars[client.pk] = business
    return levels


def _policy(
    client: Organization,
    name: str,
    calendar: BusinessCalendar,
    around: BusinessCalendar,
    targets: dict[int, tuple[int, int, bool]],
    *,
    order: int = 100,
    category: Category | None = None,
    ticket_type: str = "",
) -> SlaPolicy:
    policy = SlaPolicy.objects.create(
        organization=client, name=name, order=order, calendar=calendar, category=category, ticket_type=ticket_type
    )
    SlaTarget.objects.bulk_create(
        SlaTarget(
            policy=policy,
            priority=priority,
            response_minutes=response,
            resolution_minutes=resolution,
            calendar=around if around_the_clock else None,
        )
        for priority, (response, resolution, around_the_clock) in targets.items()
    )
    return policy


def _escalations(policy: SlaPolicy, *, response_breach_for_p1: bool = False) -> None:
    """Warn the assignee at 75 % of the resolution target; at the breach of a P2 or P3, tell the
    group lead and raise the priority one step."""
    rules = [
        EscalationRule(
            policy=policy,
            clock=ClockKind.RESOLUTION,
            at_percent=75,
            action=EscalationAction.NOTIFY,
            notify_assignee=True,
            notify_group_lead=False,
        ),
        EscalationRule(
            policy=policy,
            clock=ClockKind.RESOLUTION,
            at_percent=100,
            priorities=[Priority.P2.value, Priority.P3.value],
            action=EscalationAction.NOTIFY,
            notify_assignee=False,
            notify_group_lead=True,
        ),
        EscalationRule(
            policy=policy,
            clock=ClockKind.RESOLUTION,
            at_percent=100,
            priorities=[Priority.P2.value, Priority.P3.value],
            action=EscalationAction.RAISE_PRIORITY,
            notify_assignee=False,
            notify_group_lead=False,
        ),
    ]
    if response_breach_for_p1:
        rules.append(
            EscalationRule(
                policy=policy,
                clock=ClockKind.RESPONSE,
                at_percent=100,
                priorities=[Priority.P1.value],
                action=EscalationAction.NOTIFY,
                notify_assignee=True,
                notify_group_lead=True,
                notify_client_manager=True,
            )
        )
    EscalationRule.objects.bulk_create(rules)


def build_policies(levels: ServiceLevels, clients: list[Organization], categories: dict[str, Category]) -> None:
    for client in clients:
        calendar = levels.calendars[client.pk]
        policies = []
        slug, category_name, policy_name = CATEGORY_POLICY
        if client.slug == slug:
            special = _policy(
                client,
                policy_name,
                calendar,
                levels.around_the_clock,
                CATEGORY_TARGETS,
                order=10,
                category=categories[category_name],
                ticket_type=TicketType.INCIDENT,
            )
            _escalations(special, response_breach_for_p1=True)
            policies.append(special)
        general = _policy(client, f"Contrat de service {client.name}", calendar, levels.around_the_clock, TARGETS)
        _escalations(general)
        policies.append(general)
        levels.policies[client.pk] = policies


def build_services(levels: ServiceLevels, clients: list[Organization], owners: dict[int, User]) -> None:
    for client in clients:
        created = []
        by_category: dict[str, list[BusinessService]] = {}
        for name, criticality, cost, categories, description in SERVICES.get(client.slug, []):
            service = BusinessService.objects.create(
                organization=client,
                name=name,
                description=description,
                owner=owners.get(client.pk),
                criticality=criticality,
                hourly_downtime_cost=Decimal(cost),
                # A shop's tills matter when it is open; the rest is expected around the clock.
                calendar=levels.calendars[client.pk] if criticality == Criticality.LOW else None,
            )
            created.append(service)
            for category in categories:
                by_category.setdefault(category, []).append(service)
        levels.services[client.pk] = created
        levels.services_by_category[client.pk] = by_category


def build_service_levels(
    provider: Organization,
    clients: list[Organization],
    categories: dict[str, Category],
    owners: dict[int, User],
) -> ServiceLevels:
    """Calendars, policies with targets and escalations, business services and survey rates."""
    levels = build_calendars(provider, clients)
    build_policies(levels, clients, categories)
    build_services(levels, clients, owners)
    for client in clients:
        client.satisfaction_percent = SATISFACTION_PERCENT.get(client.slug, 100)
        client.save(update_fields=["satisfaction_percent"])
    return levels


def link_service(levels: ServiceLevels, ticket: Ticket, rng: random.Random, now: datetime) -> None:
    """Tie an incident to the service it hurts; a high-impact one stopped the service for a while."""
    if ticket.type != TicketType.INCIDENT or ticket.category is None:
        return
    hurt = levels.services_by_category.get(ticket.organization_id, {}).get(ticket.category.full_name)
    if not hurt:
        return
    service = rng.choice(hurt)
    # The generator moved the ticket through the services: read where it ended.
    ticket = Ticket.objects.only("pk", "status", "impact", "created_at", "resolved_at").get(pk=ticket.pk)
    changes: dict[str, object] = {"service": service}
    if ticket.impact == Level.HIGH and rng.random() < OUTAGE_SHARE:
        started = ticket.created_at - timedelta(minutes=rng.randint(2, 45))
        changes["outage_started_at"] = started
        if ticket.status in FINISHED_STATUSES and ticket.status != TicketStatus.CANCELLED and ticket.resolved_at:
            changes["outage_ended_at"] = max(ticket.resolved_at - timedelta(minutes=rng.randint(0, 30)), ticket.created_at)
        elif ticket.status == TicketStatus.CANCELLED:
            changes.pop("outage_started_at")
        elif now - ticket.created_at > timedelta(hours=6):
            # A service down for more than a few hours is worked around, even if the ticket stays open.
            changes["outage_ended_at"] = ticket.created_at + timedelta(hours=rng.randint(1, 5))
    Ticket.objects.filter(pk=ticket.pk).update(**changes)
