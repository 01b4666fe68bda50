"""Helpers for the change tests (no tests here): change managers, a change ready for each step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from tests.conftest import World, make_user
from vigie.accounts.models import User
from vigie.catalog import services as catalog_services
from vigie.catalog.models import BusinessService
from vigie.changes import services
from vigie.changes.models import Change, ChangeType, RiskQuestion
from vigie.tenancy.models import Role

WINDOW_START = datetime(2031, 3, 4, 20, 0, tzinfo=timezone.get_fixed_timezone(0))


@dataclass
class Cab:
    cm1: User  # change manager serving client A
    cm2: User  # change manager serving client A
    cm_b: User  # change manager serving client B only
    service_a: BusinessService


def make_cab(world: World) -> Cab:
    cm1 = make_user("claire.cab@durand.test", world.provider, Role.CHANGE_MANAGER)
    cm2 = make_user("hugo.cab@durand.test", world.provider, Role.CHANGE_MANAGER)
    cm_b = make_user("nina.cab@durand.test", world.provider, Role.CHANGE_MANAGER)
    world.group_a.members.add(cm1, cm2)
    world.group_b.members.add(cm_b)
    service = catalog_services.create_service(
        by=world.admin, organization=world.client_a, name="Caisse", hourly_downtime_cost=120
    )
    return Cab(cm1, cm2, cm_b, service)


def answers(level: str = "medium") -> dict[int, int]:
    """Questionnaire answers giving the lowest risk, or (``medium``/``high``) more."""
    chosen = {}
    for index, question in enumerate(RiskQuestion.objects.filter(is_active=True).prefetch_related("choices")):
        choices = sorted(question.choices.all(), key=lambda c: c.weight)
        pick = choices[0]
        if (level == "medium" and index < 2) or level == "high":
            pick = choices[-1]
        chosen[question.pk] = pick.pk
    return chosen


def draft(world: World, *, by: User | None = None, start: datetime = WINDOW_START, hours: int = 2, **extra: Any) -> Change:
    values: dict[str, Any] = {
        "reason": "Fin de support de la version actuelle",
        "implementation_plan": "1. Sauvegarde\n2. Mise à jour\n3. Contrôle",
        "backout_plan": "Restaurer la sauvegarde",
        "test_plan": "Encaisser une vente test",
        "planned_start": start,
        "planned_end": start + timedelta(hours=hours),
        **extra,
    }
    title = values.pop("title", "Mise à jour du logiciel de caisse")
    return services.create_change(by=by or world.tech_a, organization=world.client_a, title=title, **values)


def awaiting(world: World, cab: Cab, *, risk: str = "medium", **extra: Any) -> Change:
    """A normal change of client A sent to approval."""
    change = draft(world, **extra)
    change = services.transition(change, "submit", by=world.tech_a)
    change = services.transition(change, "assess", by=cab.cm1)
    change = services.assess_risk(change, by=cab.cm1, answers=answers(risk))
    return services.transition(change, "request_approval", by=cab.cm1)


def standard_change_type() -> str:
    return ChangeType.STANDARD
