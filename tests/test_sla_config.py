"""Configuring service levels: business calendars, SLA policies and business services are
validated at the boundary (the services), written with their actor, refused to the wrong roles,
and their changes queue the recomputation of the clocks once committed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tests.conftest import World, make_user
from vigie.accounts.models import User
from vigie.catalog import services as catalog_services
from vigie.catalog.models import BusinessService, Criticality
from vigie.core.models import AuditEntry
from vigie.servicedesk import services as ticket_services
from vigie.servicedesk.models import Category, TicketStatus, TicketType
from vigie.sla import clocks, services
from vigie.sla.models import (
    BusinessCalendar,
    CalendarClosure,
    EscalationAction,
    EscalationFiring,
    EscalationRule,
    OpeningRange,
    SlaPolicy,
    SlaTarget,
    TicketSla,
)
from vigie.sla.permissions import can_manage_calendars, can_manage_policies, readable_organization_ids
from vigie.sla.validation import ClosureSpec, EscalationSpec, RangeSpec, TargetSpec
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db

MON, TUE, SAT = 0, 1, 5


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def owner(world: World) -> User:
    """A service owner of the provider who serves client A (through group A)."""
    user = make_user("sam.owner@durand.test", world.provider, Role.SERVICE_OWNER)
    world.group_a.members.add(user)
    return user


def office_hours() -> list[RangeSpec]:
    return [RangeSpec(day, time(9), time(12)) for day in range(5)] + [RangeSpec(day, time(14), time(18)) for day in range(5)]


def calendar_of(world: World, organization: Any = None, *, name: str = "Bureau", **extra: Any) -> BusinessCalendar:
    extra.setdefault("ranges", office_hours())
    return services.create_calendar(by=world.admin, organization=organization or world.client_a, name=name, **extra)


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return dict(excinfo.value.message_dict)


# --- calendars --------------------------------------------------------------------------------------


def test_a_calendar_is_created_with_its_ranges_closures_and_region(world: World) -> None:
    calendar = calendar_of(
        world,
        holiday_subdivision="Alsace",
        closures=[ClosureSpec(date(2026, 5, 15), "Pont de l'Ascension")],
    )
    assert (calendar.time_zone, calendar.holiday_country, calendar.holiday_subdivision) == ("Europe/Paris", "FR", "6AE")
    assert calendar.ranges.count() == 10
    assert list(calendar.closures.values_list("date", "name")) == [(date(2026, 5, 15), "Pont de l'Ascension")]
    entry = AuditEntry.objects.filter(model="sla.businesscalendar", object_id=str(calendar.pk)).get()
    assert entry.actor_id == world.admin.pk and entry.organization_id == world.client_a.pk
    # Ranges are audited too, their times written plainly.
    starts = {entry.changes["start"][1] for entry in AuditEntry.objects.filter(model="sla.openingrange")}
    assert starts == {"09:00:00", "14:00:00"}


def test_overlapping_ranges_name_the_day_and_both_ranges(world: World) -> None:
    ranges = [RangeSpec(MON, time(9), time(12)), RangeSpec(MON, time(11), time(14)), RangeSpec(TUE, time(11), time(14))]
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, ranges=ranges)
    assert errors_of(excinfo) == {"ranges": ["Monday: the ranges 09:00–12:00 and 11:00–14:00 overlap."]}
    assert not BusinessCalendar.objects.exists() and not OpeningRange.objects.exists()


def test_a_range_listed_twice_or_contained_in_another_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, ranges=[RangeSpec(SAT, time(9), time(12)), RangeSpec(SAT, time(9), time(12))])
    assert errors_of(excinfo)["ranges"] == ["Saturday: the range 09:00–12:00 is listed twice."]
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, ranges=[RangeSpec(MON, time(8), time(18)), RangeSpec(MON, time(12), time(13))])
    assert errors_of(excinfo)["ranges"] == ["Monday: the ranges 08:00–18:00 and 12:00–13:00 overlap."]


def test_touching_ranges_and_midnight_ends_are_accepted(world: World) -> None:
    calendar = calendar_of(
        world,
        ranges=[
            RangeSpec(MON, time(9), time(12)),
            RangeSpec(MON, time(12), time(14)),  # touches the morning: no overlap
            RangeSpec(MON, time(22), time(0)),  # until midnight
            RangeSpec(TUE, time(0), time(0)),  # the whole day
        ],
    )
    assert calendar.ranges.count() == 4


def test_a_range_must_end_after_it_starts(world: World) -> None:
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, ranges=[RangeSpec(TUE, time(14), time(9))])
    assert errors_of(excinfo)["ranges"] == ["Tuesday: the range 14:00–09:00 must end after it starts."]


def test_business_hours_need_ranges_but_24x7_does_not(world: World) -> None:
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, ranges=[])
    assert "24×7" in errors_of(excinfo)["ranges"][0]
    assert calendar_of(world, name="Astreinte", ranges=[], is_24x7=True).is_24x7


def test_unknown_holiday_region_names_the_country_and_the_region(world: World) -> None:
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, holiday_country="FR", holiday_subdivision="99")
    assert errors_of(excinfo) == {"holiday_subdivision": ["Unknown region for FR: 99."]}
    with translation.override("fr"):
        # The field is named whatever the language (the French text comes with the catalog).
        with pytest.raises(ValidationError) as excinfo:
            calendar_of(world, holiday_country="FR", holiday_subdivision="99")
        assert set(errors_of(excinfo)) == {"holiday_subdivision"}
        assert "99" in errors_of(excinfo)["holiday_subdivision"][0]


def test_holiday_countries_and_regions_come_from_the_holidays_library(world: World) -> None:
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, holiday_country="XX")
    assert errors_of(excinfo) == {"holiday_country": ["Unknown country for public holidays: XX."]}
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, holiday_country="", holiday_subdivision="57")
    assert list(errors_of(excinfo)) == ["holiday_country"]
    moselle = calendar_of(world, name="Metz", holiday_country="fr", holiday_subdivision="moselle")
    assert (moselle.holiday_country, moselle.holiday_subdivision) == ("FR", "57")
    german = calendar_of(world, name="Berlin", holiday_country="DE", holiday_subdivision="BE", time_zone="Europe/Berlin")
    assert german.holiday_subdivision == "BE"
    none = calendar_of(world, name="Sans fériés", holiday_country="")
    assert (none.holiday_country, none.holiday_subdivision) == ("", "")


@pytest.mark.parametrize("zone", ["Europe/Pariss", "", "Paris", "../etc/passwd", "UTC+1"])
def test_a_time_zone_must_be_an_iana_name(world: World, zone: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, time_zone=zone)
    assert list(errors_of(excinfo)) == ["time_zone"]


def test_every_error_of_a_calendar_is_told_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(
            world,
            name=" ",
            time_zone="Mars/Olympus",
            holiday_subdivision="99",
            ranges=[RangeSpec(MON, time(9), time(12)), RangeSpec(MON, time(10), time(11))],
            closures=[ClosureSpec(date(2026, 1, 2)), ClosureSpec(date(2026, 1, 2), "Encore")],
        )
    assert set(errors_of(excinfo)) == {"name", "time_zone", "holiday_subdivision", "ranges", "closures"}
    assert errors_of(excinfo)["closures"] == ["The date 01/02/2026 is listed twice."]


def test_a_calendar_name_is_unique_per_organisation(world: World) -> None:
    calendar_of(world, name="Bureau")
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, name="bureau")
    assert list(errors_of(excinfo)) == ["name"]
    assert calendar_of(world, organization=world.client_b, name="Bureau").organization == world.client_b


def test_updating_a_calendar_replaces_its_lists_and_keeps_unchanged_rows(world: World) -> None:
    calendar = calendar_of(world, closures=[ClosureSpec(date(2026, 5, 15), "Pont")])
    kept = calendar.ranges.get(weekday=MON, start=time(9))
    services.update_calendar(
        calendar,
        by=world.admin,
        ranges=[RangeSpec(MON, time(9), time(12)), RangeSpec(SAT, time(9), time(12))],
        closures=[ClosureSpec(date(2026, 5, 15), "Pont de l'Ascension"), ClosureSpec(date(2026, 12, 24))],
        holiday_subdivision="57",
    )
    calendar.refresh_from_db()
    assert calendar.holiday_subdivision == "57"
    assert sorted(calendar.ranges.values_list("weekday", flat=True)) == [MON, SAT]
    assert calendar.ranges.filter(pk=kept.pk).exists()
    assert list(calendar.closures.values_list("name", flat=True)) == ["Pont de l'Ascension", ""]
    # Lists not given stay as they are.
    services.update_calendar(calendar, by=world.admin, name="Bureau Lyon")
    assert calendar.ranges.count() == 2 and CalendarClosure.objects.count() == 2
    with pytest.raises(ValidationError):
        services.update_calendar(calendar, by=world.admin, organization=world.client_b)
    with pytest.raises(ValidationError):
        services.update_calendar(calendar, by=world.admin, colour="red")


def test_leaving_24x7_needs_opening_hours(world: World) -> None:
    calendar = calendar_of(world, name="Astreinte", is_24x7=True, ranges=[])
    with pytest.raises(ValidationError) as excinfo:
        services.update_calendar(calendar, by=world.admin, is_24x7=False)
    assert list(errors_of(excinfo)) == ["ranges"]


def test_a_calendar_in_use_cannot_be_deleted(world: World) -> None:
    calendar = calendar_of(world)
    other = calendar_of(world, name="Astreinte", is_24x7=True, ranges=[])
    services.create_policy(by=world.admin, organization=world.client_a, name="Contrat", calendar=calendar)
    with pytest.raises(ValidationError) as excinfo:
        services.delete_calendar(calendar, by=world.admin)
    assert "the policy “Contrat”" in excinfo.value.messages[0]
    services.delete_calendar(other, by=world.admin)
    assert not BusinessCalendar.objects.filter(pk=other.pk).exists()


# --- policies ---------------------------------------------------------------------------------------


def policy_of(world: World, *, name: str = "Contrat", by: User | None = None, **extra: Any) -> SlaPolicy:
    if "calendar" not in extra:
        extra["calendar"] = BusinessCalendar.objects.filter(organization=world.client_a).first() or calendar_of(world)
    extra.setdefault("organization", world.client_a)
    return services.create_policy(by=by or world.admin, name=name, **extra)


def test_a_policy_is_created_with_its_targets_and_rules(world: World) -> None:
    around_the_clock = calendar_of(world, name="24×7", is_24x7=True, ranges=[])
    policy = policy_of(
        world,
        targets=[TargetSpec(3, 240, 2400), TargetSpec(1, 15, 240, around_the_clock)],
        escalations=[EscalationSpec(at_percent=75, priorities=[1, 1, 2])],
    )
    assert policy.resolution_pause_statuses == [TicketStatus.WAITING_CUSTOMER]
    assert policy.response_pause_statuses == []
    assert list(policy.targets.values_list("priority", "response_minutes", "resolution_minutes", "calendar")) == [
        (1, 15, 240, around_the_clock.pk),
        (3, 240, 2400, None),
    ]
    assert list(policy.escalations.values_list("at_percent", "priorities")) == [(75, [1, 2])]


def test_a_policy_runs_on_a_calendar_of_its_client_or_of_the_provider(world: World) -> None:
    provider_calendar = calendar_of(world, organization=world.provider, name="Heures du prestataire")
    assert policy_of(world, calendar=provider_calendar).calendar == provider_calendar
    other_client = calendar_of(world, organization=world.client_b, name="Lefèvre")
    with pytest.raises(ValidationError) as excinfo:
        policy_of(world, name="Autre", calendar=other_client, order=50)
    assert list(errors_of(excinfo)) == ["calendar"]
    with pytest.raises(ValidationError) as excinfo:
        policy_of(world, name="Cibles", order=60, targets=[TargetSpec(1, 15, 60, other_client)])
    assert errors_of(excinfo)["targets"][0].startswith("P1: ")
    with pytest.raises(ValidationError) as excinfo:
        services.create_policy(by=world.admin, organization=world.provider, name="Prestataire", calendar=provider_calendar)
    assert list(errors_of(excinfo)) == ["organization"]


@pytest.mark.parametrize("share", [0, 100, 150])
def test_the_at_risk_share_is_between_1_and_99(world: World, share: int) -> None:
    with pytest.raises(ValidationError) as excinfo:
        policy_of(world, at_risk_percent=share)
    assert list(errors_of(excinfo)) == ["at_risk_percent"]


def test_only_open_statuses_pause_a_clock(world: World) -> None:
    for finished in (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED):
        with pytest.raises(ValidationError) as excinfo:
            policy_of(world, resolution_pause_statuses=[TicketStatus.WAITING_CUSTOMER, finished])
        message = errors_of(excinfo)["resolution_pause_statuses"][0]
        assert str(TicketStatus(finished).label) in message and "cannot pause" in message
    with pytest.raises(ValidationError) as excinfo:
        policy_of(world, response_pause_statuses=["sleeping"])
    assert errors_of(excinfo) == {"response_pause_statuses": ["Unknown status: sleeping."]}
    policy = policy_of(
        world,
        response_pause_statuses=[TicketStatus.WAITING_THIRD_PARTY, TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_CUSTOMER],
    )
    assert policy.response_pause_statuses == [TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_THIRD_PARTY]


def test_targets_are_checked_per_priority(world: World) -> None:
    cases = {
        "P2: give a response target, a resolution target, or both.": [TargetSpec(2)],
        "P1: the response target (5 h) is longer than the resolution target (4 h).": [TargetSpec(1, 300, 240)],
        "P3: a target lasts from one minute to a year.": [TargetSpec(3, 0, 60)],
        "P4 has two targets.": [TargetSpec(4, None, 60), TargetSpec(4, 30, None)],
        "Unknown priority: 9.": [TargetSpec(9, 10, 20)],
    }
    for message, targets in cases.items():
        with pytest.raises(ValidationError) as excinfo:
            policy_of(world, targets=targets)
        assert errors_of(excinfo) == {"targets": [message]}
    assert not SlaPolicy.objects.exists()
    policy = policy_of(world, targets=[TargetSpec(5, None, 60 * 24 * 10), TargetSpec(4, 60, 60)])
    assert policy.targets.count() == 2


def test_escalation_rules_are_checked(world: World) -> None:
    def refused(rule: EscalationSpec) -> str:
        with pytest.raises(ValidationError) as excinfo:
            policy_of(world, escalations=[EscalationSpec(), rule])
        messages = errors_of(excinfo)["escalations"]
        assert all(m.startswith("Rule 2: ") for m in messages)
        return " ".join(messages)

    assert "say whom to notify" in refused(EscalationSpec(notify_assignee=False, notify_group_lead=False))
    assert "choose the group or the technician" in refused(EscalationSpec(action=EscalationAction.REASSIGN))
    assert "does not serve Boulangerie Martin" in refused(
        EscalationSpec(action=EscalationAction.REASSIGN, reassign_group=world.group_b)
    )
    assert f"{world.tech_b} does not serve Boulangerie Martin" in refused(
        EscalationSpec(action=EscalationAction.REASSIGN, reassign_user=world.tech_b)
    )
    assert "is not a member of the group Support Lyon" in refused(
        EscalationSpec(action=EscalationAction.REASSIGN, reassign_group=world.group_a, reassign_user=world.admin)
    )
    assert "from 1 to 999 %" in refused(EscalationSpec(at_percent=0))
    policy = policy_of(
        world,
        escalations=[
            EscalationSpec(action=EscalationAction.REASSIGN, reassign_group=world.group_a, reassign_user=world.tech_a),
            EscalationSpec(action=EscalationAction.RAISE_PRIORITY, at_percent=150, priorities=[3, 4]),
            EscalationSpec(notify_assignee=False, notify_group_lead=False, notify_client_manager=True, clock="response"),
        ],
    )
    assert policy.escalations.count() == 3


def test_rules_given_with_their_id_keep_their_history(world: World) -> None:
    policy = policy_of(world, escalations=[EscalationSpec(at_percent=75), EscalationSpec(at_percent=100)])
    first, second = policy.escalations.order_by("at_percent")
    ticket = ticket_services.open_ticket(by=world.requester_a, organization=world.client_a, title="Poste lent")
    EscalationFiring.objects.create(rule=first, ticket=ticket, fired_at=timezone.now())
    services.update_policy(
        policy, by=world.admin, escalations=[EscalationSpec(id=first.pk, at_percent=80), EscalationSpec(at_percent=120)]
    )
    assert EscalationFiring.objects.filter(rule_id=first.pk).exists()
    assert sorted(EscalationRule.objects.values_list("at_percent", flat=True)) == [80, 120]
    assert not EscalationRule.objects.filter(pk=second.pk).exists()
    other = policy_of(world, name="Autre", ticket_type=TicketType.REQUEST, order=5, escalations=[EscalationSpec()])
    with pytest.raises(ValidationError) as excinfo:
        services.update_policy(policy, by=world.admin, escalations=[EscalationSpec(id=other.escalations.get().pk)])
    assert list(errors_of(excinfo)) == ["escalations"]


def test_targets_are_replaced_in_place(world: World) -> None:
    policy = policy_of(world, targets=[TargetSpec(1, 15, 240), TargetSpec(2, 30, 480)])
    p1 = policy.targets.get(priority=1)
    services.update_policy(policy, by=world.admin, targets=[TargetSpec(1, 10, 240), TargetSpec(3, 60, 960)])
    assert list(SlaTarget.objects.values_list("priority", "response_minutes")) == [(1, 10), (3, 60)]
    assert SlaTarget.objects.filter(pk=p1.pk).exists()


# --- contradictory policies -------------------------------------------------------------------------


def test_two_active_policies_with_the_same_order_and_overlapping_scope_contradict(world: World) -> None:
    policy_of(world, name="Incidents", ticket_type=TicketType.INCIDENT, order=10)
    with pytest.raises(ValidationError) as excinfo:
        policy_of(world, name="Tout", order=10)
    assert errors_of(excinfo) == {
        "order": [
            "The policy “Incidents” has the same order (10) and applies to some of the same tickets: "
            "give one of them another order."
        ]
    }
    # Disjoint scopes may share an order; so may another client, or an inactive policy.
    policy_of(world, name="Demandes", ticket_type=TicketType.REQUEST, order=10)
    policy_of(world, name="Ancien", order=10, is_active=False)
    calendar_b = calendar_of(world, organization=world.client_b, name="B")
    policy_of(world, organization=world.client_b, name="Tout", order=10, calendar=calendar_b)


def test_a_policy_shadowed_by_an_earlier_one_is_refused_naming_it(world: World) -> None:
    policy_of(world, name="Tout", order=10)
    with pytest.raises(ValidationError) as excinfo:
        policy_of(world, name="Incidents", ticket_type=TicketType.INCIDENT, order=20)
    (message,) = errors_of(excinfo)["order"]
    assert "“Tout” (order 10) is tried first" in message and "would never apply" in message


def test_a_policy_that_would_shadow_a_later_one_is_refused_naming_it(world: World) -> None:
    policy_of(world, name="Incidents", ticket_type=TicketType.INCIDENT, order=20)
    with pytest.raises(ValidationError) as excinfo:
        policy_of(world, name="Tout", order=10)
    (message,) = errors_of(excinfo)["order"]
    assert "before “Incidents” (order 20)" in message and "“Incidents” would never apply again" in message
    # The narrow one first, the broad one after: both apply.
    assert policy_of(world, name="Tout", order=30).order == 30


def test_shadowing_follows_the_category_tree(world: World) -> None:
    hardware = Category.objects.create(name="Matériel")
    printers = Category.objects.create(name="Imprimantes", parent=hardware)
    software = Category.objects.create(name="Logiciel")
    policy_of(world, name="Matériel", category=hardware, order=10)
    with pytest.raises(ValidationError) as excinfo:
        policy_of(world, name="Imprimantes", category=printers, order=20)
    assert "“Matériel”" in errors_of(excinfo)["order"][0]
    with pytest.raises(ValidationError):
        policy_of(world, name="Imprimantes", category=printers, order=10)  # same order, overlapping
    policy_of(world, name="Imprimantes", category=printers, order=5)  # narrower, first: fine
    policy_of(world, name="Logiciel", category=software, order=10)  # disjoint
    policy_of(world, name="Incidents logiciels", category=software, ticket_type=TicketType.INCIDENT, order=1)


def test_reactivating_or_reordering_a_policy_is_checked_too(world: World) -> None:
    policy_of(world, name="Tout", order=10)
    incidents = policy_of(world, name="Incidents", ticket_type=TicketType.INCIDENT, order=20, is_active=False)
    with pytest.raises(ValidationError):
        services.update_policy(incidents, by=world.admin, is_active=True)
    services.update_policy(incidents, by=world.admin, is_active=True, order=5)
    incidents.refresh_from_db()
    assert (incidents.is_active, incidents.order) == (True, 5)


def test_a_policy_name_is_unique_per_client(world: World) -> None:
    policy_of(world, name="Contrat", ticket_type=TicketType.INCIDENT)
    with pytest.raises(ValidationError) as excinfo:
        policy_of(world, name="contrat", ticket_type=TicketType.REQUEST)
    assert list(errors_of(excinfo)) == ["name"]


# --- who may change what ------------------------------------------------------------------------------


def test_only_administrators_change_calendars(world: World, owner: User) -> None:
    for user in (world.tech_a, owner, world.manager_a, world.requester_a):
        with pytest.raises(PermissionDenied):
            services.create_calendar(by=user, organization=world.client_a, name="X", is_24x7=True)
    calendar = calendar_of(world)
    with pytest.raises(PermissionDenied):
        services.update_calendar(calendar, by=world.tech_a, name="Y")
    with pytest.raises(PermissionDenied):
        services.delete_calendar(calendar, by=owner)
    assert calendar_of(world, organization=world.provider, name="Prestataire").organization == world.provider


def test_service_owners_change_the_policies_of_the_clients_they_serve(world: World, owner: User) -> None:
    calendar = calendar_of(world)
    policy = services.create_policy(by=owner, organization=world.client_a, name="Contrat", calendar=calendar)
    services.update_policy(policy, by=owner, at_risk_percent=80)
    calendar_b = calendar_of(world, organization=world.client_b, name="B")
    with pytest.raises(PermissionDenied):
        services.create_policy(by=owner, organization=world.client_b, name="Contrat", calendar=calendar_b)
    for user in (world.tech_a, world.manager_a, world.it_contact_a, world.requester_a):
        with pytest.raises(PermissionDenied):
            services.update_policy(policy, by=user, at_risk_percent=60)
        with pytest.raises(PermissionDenied):
            services.delete_policy(policy, by=user)
    assert (can_manage_policies(owner, world.client_a.pk), can_manage_calendars(owner, world.client_a.pk)) == (True, False)


def test_who_reads_the_configuration(world: World, owner: User) -> None:
    a, b, provider = world.client_a.pk, world.client_b.pk, world.provider.pk
    assert readable_organization_ids(world.admin) == {a, b, provider}
    assert readable_organization_ids(world.tech_a) == {a, provider}
    assert readable_organization_ids(owner) == {a, provider}
    assert readable_organization_ids(world.manager_a) == {a}
    assert readable_organization_ids(world.it_contact_a) == {a}
    assert readable_organization_ids(world.requester_a) == frozenset()


# --- recomputation once committed ---------------------------------------------------------------------


@pytest.fixture
def recomputations(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    calls: dict[str, list[Any]] = {"policy": [], "calendar": [], "refresh": []}
    monkeypatch.setattr(clocks, "recompute_for_policy", lambda policy: calls["policy"].append(policy.pk) or 0)
    monkeypatch.setattr(clocks, "recompute_for_calendar", lambda calendar: calls["calendar"].append(calendar.pk) or 0)
    monkeypatch.setattr(clocks, "refresh", lambda ticket, now=None: calls["refresh"].append(ticket.pk))
    return calls


def test_changes_queue_the_recomputation_once_committed(
    world: World, recomputations: dict[str, list[Any]], django_capture_on_commit_callbacks: Any
) -> None:
    calendar = calendar_of(world)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        policy = policy_of(world, calendar=calendar)
    assert recomputations["policy"] == []  # nothing before the commit
    for callback in pending:
        callback()
    assert recomputations["policy"] == [policy.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.update_calendar(calendar, by=world.admin, name="Bureau Lyon")
        services.update_policy(policy, by=world.admin, at_risk_percent=80)
    assert recomputations["calendar"] == [calendar.pk]
    assert recomputations["policy"] == [policy.pk, policy.pk]


def test_deleting_a_policy_recomputes_the_tickets_it_applied_to(
    world: World, recomputations: dict[str, list[Any]], django_capture_on_commit_callbacks: Any
) -> None:
    policy = policy_of(world)
    ticket = ticket_services.open_ticket(by=world.requester_a, organization=world.client_a, title="Poste lent")
    other = ticket_services.open_ticket(by=world.requester_a, organization=world.client_a, title="Souris")
    TicketSla.objects.update_or_create(ticket=ticket, defaults={"policy": policy})
    TicketSla.objects.update_or_create(ticket=other, defaults={"policy": None})
    recomputations["refresh"].clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_policy(policy, by=world.admin)
    assert recomputations["refresh"] == [ticket.pk]
    assert TicketSla.objects.get(ticket=ticket).policy is None


def test_invalid_input_writes_nothing_and_queues_nothing(
    world: World, recomputations: dict[str, list[Any]], django_capture_on_commit_callbacks: Any
) -> None:
    calendar = calendar_of(world)
    before = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        policy_of(world, calendar=calendar, targets=[TargetSpec(1, 15, 240), TargetSpec(2, 90, 60)])
    assert not SlaPolicy.objects.exists() and not SlaTarget.objects.exists()
    assert AuditEntry.objects.count() == before and recomputations["policy"] == []


# --- business services ------------------------------------------------------------------------------


def test_a_business_service_is_created_and_changed(world: World, owner: User) -> None:
    calendar = calendar_of(world)
    service = catalog_services.create_service(
        by=owner,
        organization=world.client_a,
        name=" Caisse ",
        owner=world.manager_a,
        criticality=Criticality.VITAL,
        hourly_downtime_cost=Decimal("350.5"),
        calendar=calendar,
    )
    assert (service.name, service.hourly_downtime_cost, service.owner) == ("Caisse", Decimal("350.50"), world.manager_a)
    # The owner is a service owner or administrator of the provider, or a manager/IT contact of the client.
    catalog_services.update_service(service, by=world.admin, owner=owner, is_active=False)
    service.refresh_from_db()
    assert (service.owner, service.is_active) == (owner, False)


def test_business_services_are_validated(world: World) -> None:
    catalog_services.create_service(by=world.admin, organization=world.client_a, name="Caisse")
    calendar_b = calendar_of(world, organization=world.client_b, name="B")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "caisse"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "Site web", "hourly_downtime_cost": Decimal("-1")}, "hourly_downtime_cost"),
        ({"name": "Site web", "owner": world.manager_b}, "owner"),
        ({"name": "Site web", "calendar": calendar_b}, "calendar"),
        ({"name": "Site web", "criticality": 9}, "criticality"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as excinfo:
            catalog_services.create_service(by=world.admin, organization=world.client_a, **fields)
        assert list(errors_of(excinfo)) == [field], fields
    assert BusinessService.objects.count() == 1
    with pytest.raises(ValidationError):
        catalog_services.create_service(by=world.admin, organization=world.provider, name="Interne")


def test_only_administrators_and_service_owners_change_business_services(world: World, owner: User) -> None:
    for user in (world.tech_a, world.manager_a, world.requester_a):
        with pytest.raises(PermissionDenied):
            catalog_services.create_service(by=user, organization=world.client_a, name="Caisse")
    with pytest.raises(PermissionDenied):
        catalog_services.create_service(by=owner, organization=world.client_b, name="Caisse")


def test_countries_are_two_letter_codes_and_regions_fit_the_calendar(world: World) -> None:
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, holiday_country="FRA")
    assert list(errors_of(excinfo)) == ["holiday_country"]
    # The library knows regions whose code is longer than a calendar stores: refused, not truncated.
    with pytest.raises(ValidationError) as excinfo:
        calendar_of(world, holiday_country="NZ", holiday_subdivision="South Canterbury", time_zone="Pacific/Auckland")
    assert "too long" in errors_of(excinfo)["holiday_subdivision"][0]
