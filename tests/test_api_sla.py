"""The API of service levels: calendars, SLA policies and business services (nested lists written
as a whole, the services' validation in the one error format, roles), and the clocks of tickets."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import World, make_user
from tests.test_api_support import api_as, error_fields, results
from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.servicedesk import services as ticket_services
from vigie.servicedesk.models import Ticket, TicketType
from vigie.sla import services
from vigie.sla.models import BusinessCalendar, ClockState, EscalationRule, SlaPolicy, TicketSla
from vigie.sla.validation import RangeSpec, TargetSpec
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db

CALENDARS = "/api/v1/calendars/"
POLICIES = "/api/v1/sla-policies/"
SERVICES = "/api/v1/services/"


@pytest.fixture(autouse=True)
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def owner(world: World) -> User:
    user = make_user("sam.owner@durand.test", world.provider, Role.SERVICE_OWNER)
    world.group_a.members.add(user)
    return user


def office(world: World, organization: Any = None, name: str = "Bureau") -> BusinessCalendar:
    return services.create_calendar(
        by=world.admin,
        organization=organization or world.client_a,
        name=name,
        ranges=[RangeSpec(day, time(9), time(18)) for day in range(5)],
    )


def calendar_body(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "organization": world.client_a.pk,
        "name": "Bureau",
        "time_zone": "Europe/Paris",
        "holiday_country": "FR",
        "holiday_subdivision": "57",
        "ranges": [
            {"weekday": 0, "start": "09:00", "end": "12:00"},
            {"weekday": 0, "start": "14:00", "end": "18:00"},
        ],
        "closures": [{"date": "2026-05-15", "name": "Pont"}],
        **extra,
    }


# --- calendars --------------------------------------------------------------------------------------


def test_an_administrator_creates_and_reads_a_calendar(world: World) -> None:
    client = api_as(world.admin)
    response = client.post(CALENDARS, calendar_body(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["holiday_subdivision"] == "57" and body["organization"] == world.client_a.pk
    assert body["ranges"] == [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "14:00", "end": "18:00"},
    ]
    assert body["closures"] == [{"date": "2026-05-15", "name": "Pont"}]
    assert client.get(f"{CALENDARS}{body['id']}/").json() == body


def test_calendar_errors_name_the_field(world: World) -> None:
    client = api_as(world.admin)
    overlapping = calendar_body(
        world, ranges=[{"weekday": 4, "start": "09:00", "end": "12:00"}, {"weekday": 4, "start": "10:00", "end": "11:00"}]
    )
    response = client.post(CALENDARS, overlapping, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"ranges": ["Friday: the ranges 09:00–12:00 and 10:00–11:00 overlap."]}
    response = client.post(CALENDARS, calendar_body(world, holiday_subdivision="99"), format="json")
    assert error_fields(response) == {"holiday_subdivision": ["Unknown region for FR: 99."]}
    response = client.post(CALENDARS, calendar_body(world, time_zone="Europe/Lyon"), format="json")
    assert list(error_fields(response)) == ["time_zone"]
    response = client.post(CALENDARS, calendar_body(world, ranges=[{"weekday": 9, "start": "9h", "end": "12:00"}]), format="json")
    assert response.status_code == 400 and "ranges" in error_fields(response)
    response = client.post(
        CALENDARS, calendar_body(world, ranges=[{"weekday": 1, "start": "09:00", "end": "12:00", "x": 1}]), format="json"
    )
    assert response.status_code == 400
    assert not BusinessCalendar.objects.exists()


def test_put_and_patch_replace_the_ranges_as_a_whole(world: World) -> None:
    calendar = office(world)
    client = api_as(world.admin)
    url = f"{CALENDARS}{calendar.pk}/"
    response = client.patch(url, {"ranges": [{"weekday": 5, "start": "08:00", "end": "00:00"}]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["ranges"] == [{"weekday": 5, "start": "08:00", "end": "00:00"}]
    # A PATCH without the list leaves it alone.
    assert client.patch(url, {"name": "Bureau Lyon"}, format="json").json()["ranges"] == response.json()["ranges"]
    put = client.put(url, {**calendar_body(world, name="Bureau Metz"), "closures": []}, format="json")
    assert put.status_code == 200 and put.json()["name"] == "Bureau Metz" and put.json()["closures"] == []
    assert len(put.json()["ranges"]) == 2
    moved = client.patch(url, {"organization": world.client_b.pk}, format="json")
    assert error_fields(moved) == {"organization": ["A calendar cannot move to another organisation."]}


def test_deleting_a_calendar_in_use_is_refused(world: World) -> None:
    used, spare = office(world), office(world, name="Réserve")
    services.create_policy(by=world.admin, organization=world.client_a, name="Contrat", calendar=used)
    client = api_as(world.admin)
    refused = client.delete(f"{CALENDARS}{used.pk}/")
    assert refused.status_code == 400 and "the policy “Contrat”" in error_fields(refused)["non_field_errors"][0]
    assert client.delete(f"{CALENDARS}{spare.pk}/").status_code == 204


def test_who_reads_and_who_writes_calendars(world: World, owner: User) -> None:
    calendar = office(world)
    office(world, world.client_b, name="Cabinet")
    provider = services.create_calendar(by=world.admin, organization=world.provider, name="Astreinte", is_24x7=True)

    def names(user: User) -> set[str]:
        return {item["name"] for item in results(api_as(user).get(CALENDARS))}

    assert names(world.admin) == {"Bureau", "Cabinet", "Astreinte"}
    assert names(world.tech_a) == {"Bureau", "Astreinte"}
    assert names(world.manager_a) == names(world.it_contact_a) == {"Bureau"}
    assert names(world.requester_a) == set()
    assert api_as(world.requester_a).get(f"{CALENDARS}{calendar.pk}/").status_code == 404
    assert api_as(world.manager_b).get(f"{CALENDARS}{calendar.pk}/").status_code == 404
    assert api_as(world.manager_a).get(f"{CALENDARS}{provider.pk}/").status_code == 404
    for user in (world.tech_a, owner, world.manager_a):
        client = api_as(user)
        assert client.post(CALENDARS, calendar_body(world, name="X"), format="json").status_code == 403
        assert client.patch(f"{CALENDARS}{calendar.pk}/", {"name": "X"}, format="json").status_code == 403
        assert client.delete(f"{CALENDARS}{calendar.pk}/").status_code == 403
    assert api_as(world.tech_b).patch(f"{CALENDARS}{calendar.pk}/", {"name": "X"}, format="json").status_code == 404
    filtered = results(api_as(world.admin).get(CALENDARS, {"organization": world.provider.pk}))
    assert [item["name"] for item in filtered] == ["Astreinte"]


# --- policies -------------------------------------------------------------------------------------


def policy_body(world: World, calendar: BusinessCalendar, **extra: Any) -> dict[str, Any]:
    return {
        "organization": world.client_a.pk,
        "name": "Contrat standard",
        "order": 10,
        "calendar": calendar.pk,
        "targets": [
            {"priority": 1, "response_minutes": 15, "resolution_minutes": 240},
            {"priority": 3, "response_minutes": 240, "resolution_minutes": 1920},
        ],
        "escalations": [{"at_percent": 75, "priorities": [1]}, {"action": "raise_priority"}],
        **extra,
    }


def test_a_policy_is_written_with_its_targets_and_rules(world: World) -> None:
    calendar = office(world)
    client = api_as(world.admin)
    response = client.post(POLICIES, policy_body(world, calendar), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["resolution_pause_statuses"] == ["waiting_customer"] and body["response_pause_statuses"] == []
    assert body["targets"] == [
        {"priority": 1, "response_minutes": 15, "resolution_minutes": 240, "calendar": None},
        {"priority": 3, "response_minutes": 240, "resolution_minutes": 1920, "calendar": None},
    ]
    rules = body["escalations"]
    assert [(r["at_percent"], r["action"], r["priorities"]) for r in rules] == [(75, "notify", [1]), (100, "raise_priority", [])]
    kept = next(r for r in rules if r["at_percent"] == 75)
    url = f"{POLICIES}{body['id']}/"
    patched = client.patch(url, {"escalations": [{**kept, "at_percent": 80}]}, format="json")
    assert patched.status_code == 200, patched.content
    assert [(r["id"], r["at_percent"]) for r in patched.json()["escalations"]] == [(kept["id"], 80)]
    assert EscalationRule.objects.count() == 1
    assert client.patch(url, {"targets": []}, format="json").json()["targets"] == []


def test_policy_errors_name_the_field(world: World) -> None:
    calendar = office(world)
    client = api_as(world.admin)
    assert client.post(POLICIES, policy_body(world, calendar, name="Tout", order=10), format="json").status_code == 201
    shadowed = client.post(POLICIES, policy_body(world, calendar, ticket_type=TicketType.INCIDENT, order=20), format="json")
    assert shadowed.status_code == 400 and "“Tout” (order 10) is tried first" in error_fields(shadowed)["order"][0]
    same_order = client.post(POLICIES, policy_body(world, calendar, ticket_type=TicketType.REQUEST, order=10), format="json")
    assert "has the same order (10)" in error_fields(same_order)["order"][0]
    paused = client.post(
        POLICIES, policy_body(world, calendar, name="B", order=5, resolution_pause_statuses=["closed"]), format="json"
    )
    assert list(error_fields(paused)) == ["resolution_pause_statuses"]
    inverted = client.post(
        POLICIES,
        policy_body(
            world, calendar, name="C", order=5, targets=[{"priority": 2, "response_minutes": 90, "resolution_minutes": 60}]
        ),
        format="json",
    )
    assert error_fields(inverted) == {"targets": ["P2: the response target (1 h 30) is longer than the resolution target (1 h)."]}
    nobody = client.post(
        POLICIES,
        policy_body(world, calendar, name="D", order=5, escalations=[{"notify_assignee": False, "notify_group_lead": False}]),
        format="json",
    )
    assert error_fields(nobody)["escalations"][0].startswith("Rule 1: say whom to notify")
    other = office(world, world.client_b, name="Cabinet")
    foreign = client.post(POLICIES, policy_body(world, other, name="E", order=5), format="json")
    assert list(error_fields(foreign)) == ["calendar"]
    typo = client.post(POLICIES, {**policy_body(world, calendar, name="F", order=5), "odrer": 3}, format="json")
    assert error_fields(typo) == {"odrer": ["Unknown field."]}
    assert SlaPolicy.objects.count() == 1


def test_service_owners_write_policies_client_managers_read_them(world: World, owner: User) -> None:
    calendar = office(world)
    created = api_as(owner).post(POLICIES, policy_body(world, calendar), format="json")
    assert created.status_code == 201
    url = f"{POLICIES}{created.json()['id']}/"
    assert api_as(owner).patch(url, {"at_risk_percent": 80}, format="json").json()["at_risk_percent"] == 80
    manager = api_as(world.manager_a)
    assert [p["name"] for p in results(manager.get(POLICIES))] == ["Contrat standard"]
    assert manager.patch(url, {"at_risk_percent": 60}, format="json").status_code == 403
    assert api_as(world.tech_a).delete(url).status_code == 403
    assert results(api_as(world.requester_a).get(POLICIES)) == []
    for outsider in (world.manager_b, world.tech_b, world.requester_a):
        assert api_as(outsider).get(url).status_code == 404
    assert api_as(owner).delete(url).status_code == 204


# --- business services ------------------------------------------------------------------------------


def test_business_services_through_the_api(world: World, owner: User) -> None:
    client = api_as(owner)
    body = {"organization": world.client_a.pk, "name": "Caisse", "criticality": 1, "hourly_downtime_cost": "350.50"}
    response = client.post(SERVICES, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["hourly_downtime_cost"] == "350.50" and response.json()["calendar"] is None
    assert list(error_fields(client.post(SERVICES, body, format="json"))) == ["name"]
    negative = client.post(SERVICES, {**body, "name": "Site", "hourly_downtime_cost": "-1"}, format="json")
    assert list(error_fields(negative)) == ["hourly_downtime_cost"]
    foreign_owner = client.post(SERVICES, {**body, "name": "Site", "owner": world.manager_b.pk}, format="json")
    assert foreign_owner.status_code == 400 and "owner" in error_fields(foreign_owner)
    url = f"{SERVICES}{response.json()['id']}/"
    assert client.patch(url, {"is_active": False}, format="json").json()["is_active"] is False
    assert client.delete(url).status_code == 405
    assert api_as(world.tech_a).patch(url, {"name": "X"}, format="json").status_code == 403
    assert [s["name"] for s in results(api_as(world.manager_a).get(SERVICES))] == ["Caisse"]
    assert results(api_as(world.manager_b).get(SERVICES)) == []
    assert BusinessService.objects.count() == 1


# --- the clocks of tickets ------------------------------------------------------------------------------

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=timezone.get_default_timezone())


def tickets(world: World, count: int) -> list[Ticket]:
    """Tickets with no clock computed yet (the engine computes one as a ticket opens: drop it)."""
    opened = [
        ticket_services.open_ticket(by=world.requester_a, organization=world.client_a, title=f"Poste {index}")
        for index in range(count)
    ]
    TicketSla.objects.filter(ticket__in=opened).delete()
    return opened


def clock(ticket: Ticket, state: str, due_in: timedelta | None, **extra: Any) -> TicketSla:
    TicketSla.objects.filter(ticket=ticket).delete()
    return TicketSla.objects.create(
        ticket=ticket,
        resolution_state=state,
        resolution_due_at=NOW + due_in if due_in is not None else None,
        resolution_target_minutes=240,
        computed_at=NOW,
        **extra,
    )


@time_machine.travel(NOW, tick=False)
def test_a_ticket_carries_its_clocks(world: World) -> None:
    calendar = office(world)
    policy = services.create_policy(
        by=world.admin, organization=world.client_a, name="Contrat", calendar=calendar, targets=[TargetSpec(3, 60, 240)]
    )
    with_clock, without = tickets(world, 2)
    clock(
        with_clock,
        ClockState.AT_RISK,
        timedelta(minutes=30),
        policy=policy,
        resolution_elapsed_seconds=12600,
        response_state=ClockState.MET,
        response_target_minutes=60,
        response_met=True,
    )
    client = api_as(world.requester_a)
    body = client.get(f"/api/v1/tickets/{with_clock.reference}/").json()
    assert body["sla"]["policy"] == {"id": policy.pk, "name": "Contrat"}
    assert body["sla"]["response"] == {
        "state": "met",
        "state_label": "Met",
        "target_minutes": 60,
        "due_at": None,
        "elapsed_seconds": 0,
        "met": True,
    }
    resolution = body["sla"]["resolution"]
    assert (resolution["state"], resolution["target_minutes"], resolution["elapsed_seconds"]) == ("at_risk", 240, 12600)
    assert datetime.fromisoformat(resolution["due_at"]) == NOW + timedelta(minutes=30)
    assert resolution["paused_seconds"] == 0 and resolution["met"] is None
    assert client.get(f"/api/v1/tickets/{without.reference}/").json()["sla"] is None


@time_machine.travel(NOW, tick=False)
def test_tickets_order_by_time_left_and_filter_by_sla_state(world: World) -> None:
    late, soon, later, paused, bare = tickets(world, 5)
    clock(late, ClockState.BREACHED, timedelta(hours=-2))
    clock(soon, ClockState.AT_RISK, timedelta(minutes=20))
    clock(later, ClockState.RUNNING, timedelta(hours=6), response_state=ClockState.AT_RISK)
    clock(paused, ClockState.PAUSED, None)
    client = api_as(world.tech_a)

    def references(**query: Any) -> list[str]:
        return [item["reference"] for item in results(client.get("/api/v1/tickets/", query))]

    assert references(ordering="sla_due") == [t.reference for t in (late, soon, later, paused, bare)]
    assert references(ordering="-sla_due") == [t.reference for t in (later, soon, late, bare, paused)]
    assert references(sla_state="at_risk") == [later.reference, soon.reference]  # newest first by default
    assert sorted(references(sla_state="breached,paused")) == sorted([late.reference, paused.reference])
    invalid = client.get("/api/v1/tickets/", {"sla_state": "sleeping"})
    assert invalid.status_code == 400 and "sla_state" in error_fields(invalid)
    assert references(sla_state="breached", ordering="sla_due") == [late.reference]
    assert api_as(world.tech_b).get("/api/v1/tickets/", {"sla_state": "breached"}).json()["count"] == 0


@time_machine.travel(NOW, tick=False)
def test_the_ticket_list_reads_clocks_in_a_constant_number_of_queries(world: World) -> None:
    client = api_as(world.tech_a)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/tickets/", {"ordering": "sla_due"}).status_code == 200
        return len(captured.captured_queries)

    for ticket in tickets(world, 2):
        clock(ticket, ClockState.RUNNING, timedelta(hours=1))
    count_queries()  # the token's first use is recorded once
    few = count_queries()
    calendar = office(world)
    policy = services.create_policy(by=world.admin, organization=world.client_a, name="Contrat", calendar=calendar)
    for ticket in tickets(world, 6):
        clock(ticket, ClockState.AT_RISK, timedelta(minutes=5), policy=policy)
    assert count_queries() == few


def test_the_schema_documents_the_new_resources(world: World) -> None:
    body = api_as(world.tech_a).get("/api/v1/").json()
    assert {"calendars", "sla-policies", "services"} <= set(body)
