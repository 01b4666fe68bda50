"""Demo problems: a problem manager at the provider, a known error at Boulangerie Martin that
explains several of its printer incidents (their open ones received the workaround), and a
problem under investigation at Transports Garnier."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from vigie.accounts.models import User
from vigie.problems import lifecycle, services
from vigie.problems.models import Problem
from vigie.servicedesk.models import Level, Ticket
from vigie.tenancy.models import Membership, Role

if TYPE_CHECKING:
    from vigie.servicedesk.demo import DemoWorld

PROBLEM_MANAGER_EMAIL = "nadia.faure@rhone-numerique.fr"


def _incidents(world: DemoWorld, slug: str, category_prefix: str, count: int) -> list[Ticket]:
    client = next(c for c in world.clients if c.slug == slug)
    incidents = Ticket.objects.incidents().filter(organization=client, category__full_name__startswith=category_prefix)
    chosen = list(incidents.open().order_by("-created_at")[:2]) + list(incidents.finished().order_by("-created_at")[:count])
    return chosen[:count]


def load(world: DemoWorld) -> list[Problem]:
    """Create the demo problems through the services (notifications are suppressed by the caller)."""
    from vigie.servicedesk.demo import DEMO_PASSWORD

    with transaction.atomic():
        manager = User.objects.create_user(
            email=PROBLEM_MANAGER_EMAIL, password=DEMO_PASSWORD, first_name="Nadia", last_name="Faure"
        )
        Membership.objects.create(user=manager, organization=world.provider, role=Role.PROBLEM_MANAGER)
        for group in {g.pk: g for g in world.groups.values()}.values():
            group.members.add(manager)
        world.logins.append((manager.email, "problem manager"))
        created: list[Problem] = []
        printers = _incidents(world, "martin", "Impression", 4)
        if printers:
            problem = services.create_problem_from_incidents(
                by=manager,
                incidents=printers,
                title="Bourrages à répétition sur l'imprimante du premier étage",
                impact=Level.MEDIUM,
                urgency=Level.HIGH,
                manager=manager,
            )
            lifecycle.start_investigation(problem, by=manager)
            lifecycle.record_root_cause(
                problem,
                by=manager,
                root_cause=(
                    "Le micrologiciel 2.14 de l'imprimante gère mal le module recto verso : "
                    "le papier de 80 g se coince dans le second bac."
                ),
            )
            lifecycle.publish_known_error(
                problem,
                by=manager,
                title="Bourrage papier en recto verso (micrologiciel 2.14)",
                symptoms="Message « bourrage papier » permanent après une impression recto verso, bac 2.",
                workaround=(
                    "Imprimer en recto seul depuis le bac 1, ou choisir l'imprimante du rez-de-chaussée "
                    "pour les documents recto verso."
                ),
            )
            created.append(problem)
        vpn = _incidents(world, "garnier", "Réseau › VPN", 3)
        if vpn:
            problem = services.create_problem_from_incidents(
                by=manager, incidents=vpn, title="Déconnexions VPN des agences", manager=manager
            )
            lifecycle.start_investigation(problem, by=manager)
            created.append(problem)
    return created
