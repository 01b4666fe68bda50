"""Staff pages of service levels (calendars, policies, business services) and the clocks shown on
tickets: the queue's “time left” column (sorting, filter), the ticket's panel and the portal."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import World, make_user
from vigie.accounts.models import User
from vigie.catalog import services as catalog_services
from vigie.catalog.models import BusinessService
from vigie.servicedesk import services as ticket_services
from vigie.servicedesk.models import Ticket, TicketStatus, TicketType
from vigie.sla import services
from vigie.sla.models import BusinessCalendar, ClockState, SlaPolicy, TicketSla
from vigie.sla.validation import RangeSpec, TargetSpec
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db


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


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def calendar_post(ranges: list[tuple[int, str, str]], **fields: str) -> dict[str, str]:
    data = {
        "name": "Bureau",
        "time_zone": "Europe/Paris",
        "holiday_country": "FR",
        "holiday_subdivision": "",
        **management("ranges", len(ranges)),
        **management("closures", 0),
    }
    for index, (weekday, start, end) in enumerate(ranges):
        data.update({f"ranges-{index}-weekday": str(weekday), f"ranges-{index}-start": start, f"ranges-{index}-end": end})
    data.update(fields)
    return data


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- calendars --------------------------------------------------------------------------------------


def test_the_overview_lists_calendars_and_policies_per_client(world: World, login: Any) -> None:
    calendar = office(world)
    office(world, world.client_b, name="Cabinet")
    services.create_calendar(by=world.admin, organization=world.provider, name="Astreinte", is_24x7=True)
    services.create_policy(
        by=world.admin, organization=world.client_a, name="Contrat standard", calendar=calendar, targets=[TargetSpec(1, 15, 240)]
    )
    body = text(login(world.admin).get("/desk/sla/"))
    assert "Contrat standard" in body and "P1 15 min / 4 h" in body
    assert "Mon–Fri 09:00–18:00" in body and "Cabinet" in body and "Astreinte" in body
    assert body.count("New policy") == 2 and body.count("New calendar") == 3
    # A technician reads the clients they serve and the provider, changes nothing.
    tech = text(login(world.tech_a).get("/desk/sla/"))
    assert "Contrat standard" in tech and "Astreinte" in tech
    assert "Cabinet" not in tech and "Lefèvre" not in tech
    assert "New policy" not in tech and "New calendar" not in tech
    only_b = text(login(world.admin).get("/desk/sla/", {"client": world.client_b.pk}))
    assert "Cabinet" in only_b and "Contrat standard" not in only_b


def test_the_navigation_links_staff_to_service_levels(world: World, login: Any) -> None:
    assert 'href="/desk/sla/"' in login(world.tech_a).get("/desk/tickets/").content.decode()
    assert 'href="/desk/sla/"' not in login(world.manager_a).get("/portal/").content.decode()


def test_an_administrator_creates_a_calendar_with_ranges(world: World, login: Any) -> None:
    client = login(world.admin)
    url = f"/desk/sla/calendars/new/?organization={world.client_a.pk}"
    page = client.get(url)
    assert page.status_code == 200 and 'name="ranges-TOTAL_FORMS" value="10"' in page.content.decode()
    data = calendar_post([(0, "09:00", "12:00"), (0, "14:00", "18:00"), (5, "09:00", "12:00")], holiday_subdivision="57")
    data.update({**management("closures", 1), "closures-0-date": "2026-05-15", "closures-0-name": "Pont"})
    response = client.post(url, data)
    calendar = BusinessCalendar.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/sla/calendars/{calendar.pk}/"
    assert (calendar.organization, calendar.holiday_subdivision) == (world.client_a, "57")
    assert calendar.ranges.count() == 3 and calendar.closures.get().name == "Pont"
    edit = text(client.get(response["Location"]))
    assert "Calendar “Bureau” saved." not in edit and "created" in edit


def test_overlapping_ranges_are_shown_on_the_form(world: World, login: Any) -> None:
    url = f"/desk/sla/calendars/new/?organization={world.client_a.pk}"
    response = login(world.admin).post(url, calendar_post([(2, "09:00", "12:00"), (2, "11:30", "13:00")]))
    assert response.status_code == 422
    body = text(response)
    assert 'role="alert"' in body and "Wednesday: the ranges 09:00–12:00 and 11:30–13:00 overlap." in body
    assert not BusinessCalendar.objects.exists()


def test_an_unknown_region_or_time_zone_is_shown_next_to_its_field(world: World, login: Any) -> None:
    url = f"/desk/sla/calendars/new/?organization={world.client_a.pk}"
    response = login(world.admin).post(
        url, calendar_post([(0, "09:00", "12:00")], holiday_subdivision="99", time_zone="Europe/Pariss")
    )
    assert response.status_code == 422
    body = text(response)
    region = re.search(r'<div class="field field--error">.{0,300}?id_holiday_subdivision.*?</select>', body)
    assert region is not None and "Unknown region for FR: 99." in region.group(0)
    assert "Unknown time zone: “Europe/Pariss”" in body
    assert not BusinessCalendar.objects.exists()


def test_adding_a_row_works_with_and_without_htmx(world: World, login: Any) -> None:
    client = login(world.admin)
    row = client.get("/desk/sla/calendars/range-row/", {"ranges-TOTAL_FORMS": "3"}, HTTP_HX_REQUEST="true")
    body = row.content.decode()
    assert 'name="ranges-3-weekday"' in body and 'name="ranges-3-DELETE"' in body
    assert re.search(r'name="ranges-TOTAL_FORMS" value="4" id="id_ranges-TOTAL_FORMS" hx-swap-oob="true"', body)
    closure = client.get("/desk/sla/calendars/closure-row/", {"closures-TOTAL_FORMS": "0"}).content.decode()
    assert 'name="closures-0-date"' in closure and 'value="1"' in closure
    assert client.get("/desk/sla/calendars/range-row/", {"ranges-TOTAL_FORMS": "x"}).status_code == 404
    # Without JavaScript the button posts the form, which comes back with one more row, unsaved.
    url = f"/desk/sla/calendars/new/?organization={world.client_a.pk}"
    again = client.post(url, {**calendar_post([(0, "09:00", "12:00")]), "add": "ranges"})
    assert again.status_code == 200 and 'name="ranges-TOTAL_FORMS" value="2"' in again.content.decode()
    assert 'name="ranges-1-weekday"' in again.content.decode()
    assert not BusinessCalendar.objects.exists()


def test_removing_a_range_and_editing_closures(world: World, login: Any) -> None:
    calendar = office(world)
    data = calendar_post([(0, "09:00", "18:00"), (1, "09:00", "18:00")], name="Bureau Lyon")
    data.update({"ranges-INITIAL_FORMS": "2", "ranges-1-DELETE": "on"})
    response = login(world.admin).post(f"/desk/sla/calendars/{calendar.pk}/", data)
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.name == "Bureau Lyon" and list(calendar.ranges.values_list("weekday", flat=True)) == [0]


@time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=timezone.get_default_timezone()), tick=False)
def test_the_holiday_preview_follows_the_country_and_the_region(world: World, login: Any) -> None:
    client = login(world.admin)
    alsace = text(client.get("/desk/sla/calendars/holidays/", {"holiday_country": "FR", "holiday_subdivision": "6AE"}))
    assert "</time> Good Friday</li>" in alsace and "Easter Monday" in alsace and "2027-12-26" in alsace
    assert "New Year" in alsace and "2026-01-01" not in alsace  # from today to the end of next year
    assert '<option value="6AE" selected>6AE – Alsace</option>' in alsace
    country = text(client.get("/desk/sla/calendars/holidays/", {"holiday_country": "FR", "holiday_subdivision": ""}))
    assert "</time> Good Friday</li>" not in country and "</time> Easter Monday</li>" in country
    # A region of another country is dropped when the country changes.
    german = text(client.get("/desk/sla/calendars/holidays/", {"holiday_country": "DE", "holiday_subdivision": "6AE"}))
    assert '<option value="" selected>' in german and '<option value="BE">' in german and "Good Friday</li>" in german
    none = text(client.get("/desk/sla/calendars/holidays/", {"holiday_country": ""}))
    assert "No public holiday is counted" in none
    # Named in the reader's language.
    french = text(client.get("/desk/sla/calendars/holidays/", {"holiday_country": "FR"}, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "</time> Lundi de Pâques</li>" in french


def test_technicians_read_calendars_but_cannot_change_them(world: World, login: Any, owner: User) -> None:
    calendar = office(world)
    client = login(world.tech_a)
    page = text(client.get(f"/desk/sla/calendars/{calendar.pk}/"))
    assert "only the provider's administrators change it" in page
    assert '<fieldset class="plain-fieldset" disabled>' in page and ">Save</button>" not in page
    assert client.post(f"/desk/sla/calendars/{calendar.pk}/", calendar_post([(0, "09:00", "12:00")])).status_code == 403
    assert login(owner).get(f"/desk/sla/calendars/{calendar.pk}/delete/").status_code == 403
    assert client.get(f"/desk/sla/calendars/new/?organization={world.client_a.pk}").status_code == 403
    calendar.refresh_from_db()
    assert calendar.ranges.count() == 5


def test_deleting_a_calendar(world: World, login: Any) -> None:
    used = office(world)
    services.create_policy(by=world.admin, organization=world.client_a, name="Contrat", calendar=used)
    spare = office(world, name="Réserve")
    client = login(world.admin)
    confirm = text(client.get(f"/desk/sla/calendars/{used.pk}/delete/"))
    assert "the policy “Contrat”" in confirm and ">Delete</button>" not in confirm
    refused = client.post(f"/desk/sla/calendars/{used.pk}/delete/")
    assert refused.status_code == 422 and BusinessCalendar.objects.filter(pk=used.pk).exists()
    assert client.post(f"/desk/sla/calendars/{spare.pk}/delete/").status_code == 302
    assert not BusinessCalendar.objects.filter(pk=spare.pk).exists()


# --- policies -------------------------------------------------------------------------------------


def policy_post(calendar: BusinessCalendar, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Contrat standard",
        "order": "100",
        "ticket_type": "",
        "category": "",
        "calendar": str(calendar.pk),
        "at_risk_percent": "75",
        "resolution_pause_statuses": [TicketStatus.WAITING_CUSTOMER],
        "is_active": "on",
        **management("targets", 5, 5),
        **management("escalations", 0),
    }
    for index in range(5):
        data.update(
            {
                f"targets-{index}-priority": str(index + 1),
                f"targets-{index}-response": "",
                f"targets-{index}-resolution": "",
                f"targets-{index}-calendar": "",
            }
        )
    data.update(fields)
    return data


def test_an_administrator_creates_a_policy_with_targets_pauses_and_a_rule(world: World, login: Any) -> None:
    calendar = office(world)
    around = services.create_calendar(by=world.admin, organization=world.provider, name="24×7", is_24x7=True)
    client = login(world.admin)
    url = f"/desk/sla/policies/new/?organization={world.client_a.pk}"
    page = text(client.get(url))
    assert "P1 – Critical" in page and "24×7 (Infogérance Durand)" in page
    data = policy_post(
        calendar,
        **{
            "targets-0-response": "0:15",
            "targets-0-resolution": "4",
            "targets-0-calendar": str(around.pk),
            "targets-2-response": "1h30",
            "targets-2-resolution": "16:00",
            "response_pause_statuses": [TicketStatus.WAITING_THIRD_PARTY],
            **management("escalations", 1),
            "escalations-0-clock": "resolution",
            "escalations-0-at_percent": "75",
            "escalations-0-priorities": ["1", "2"],
            "escalations-0-action": "notify",
            "escalations-0-notify_group_lead": "on",
            "escalations-0-is_active": "on",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, text(response)[:3000]
    policy = SlaPolicy.objects.get()
    assert list(policy.targets.values_list("priority", "response_minutes", "resolution_minutes", "calendar")) == [
        (1, 15, 240, around.pk),
        (3, 90, 960, None),
    ]
    assert policy.response_pause_statuses == [TicketStatus.WAITING_THIRD_PARTY]
    rule = policy.escalations.get()
    assert (rule.at_percent, rule.priorities, rule.notify_assignee, rule.notify_group_lead) == (75, [1, 2], False, True)
    edit = client.get(response["Location"]).content.decode()
    assert 'value="0:15"' in edit and 'value="16:00"' in edit and f'name="escalations-0-id" value="{rule.pk}"' in edit


def test_policy_errors_are_shown_where_they_belong(world: World, login: Any) -> None:
    calendar = office(world)
    services.create_policy(by=world.admin, organization=world.client_a, name="Tout", calendar=calendar, order=10)
    client = login(world.admin)
    url = f"/desk/sla/policies/new/?organization={world.client_a.pk}"
    shadowed = client.post(url, policy_post(calendar, ticket_type=TicketType.INCIDENT, order="20"))
    assert shadowed.status_code == 422
    order_field = re.search(r'<div class="field field--error">.{0,200}?id_order.*?</div>', text(shadowed))
    assert order_field is not None and "“Tout” (order 10) is tried first" in text(shadowed)
    bad = client.post(
        url,
        policy_post(
            calendar,
            order="5",
            **{"targets-1-response": "9:75", "targets-3-response": "5:00", "targets-3-resolution": "4:00"},
        ),
    )
    body = text(bad)
    assert bad.status_code == 422 and "Minutes go from 00 to 59." in body
    valid_duration = client.post(
        url, policy_post(calendar, order="5", **{"targets-3-response": "5:00", "targets-3-resolution": "4:00"})
    )
    assert "P4: the response target (5 h) is longer than the resolution target (4 h)." in text(valid_duration)
    resolved = client.post(url, policy_post(calendar, order="5", resolution_pause_statuses=["resolved"]))
    assert resolved.status_code == 422 and "Select a valid choice" in text(resolved)
    assert SlaPolicy.objects.count() == 1


def test_an_escalation_rule_row_comes_from_htmx(world: World, login: Any) -> None:
    body = (
        login(world.admin)
        .get("/desk/sla/policies/escalation-row/", {"organization": world.client_a.pk, "escalations-TOTAL_FORMS": "2"})
        .content.decode()
    )
    assert "Rule 3" in body and 'name="escalations-2-action"' in body and 'value="3" id="id_escalations-TOTAL_FORMS"' in body
    assert "Support Lyon" in body and "Support Paris" not in body  # groups serving the client only
    refused = login(world.tech_b).get(
        "/desk/sla/policies/escalation-row/", {"organization": world.client_a.pk, "escalations-TOTAL_FORMS": "0"}
    )
    assert refused.status_code == 404


def test_service_owners_change_policies_technicians_read_them(world: World, login: Any, owner: User) -> None:
    calendar = office(world)
    policy = services.create_policy(by=world.admin, organization=world.client_a, name="Contrat", calendar=calendar)
    tech = login(world.tech_a)
    page = text(tech.get(f"/desk/sla/policies/{policy.pk}/"))
    assert "administrators and service owners change it" in page and ">Save</button>" not in page
    assert tech.post(f"/desk/sla/policies/{policy.pk}/", policy_post(calendar, name="Piraté")).status_code == 403
    assert tech.get(f"/desk/sla/policies/new/?organization={world.client_a.pk}").status_code == 403
    response = login(owner).post(f"/desk/sla/policies/{policy.pk}/", policy_post(calendar, name="Contrat 2026"))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.name == "Contrat 2026"
    assert login(owner).post(f"/desk/sla/policies/{policy.pk}/delete/").status_code == 302
    assert not SlaPolicy.objects.exists()


def test_creating_without_an_organisation_asks_for_one(world: World, login: Any) -> None:
    body = text(login(world.admin).get("/desk/sla/policies/new/"))
    assert f"?organization={world.client_a.pk}" in body and f"?organization={world.provider.pk}" not in body
    calendars = text(login(world.admin).get("/desk/sla/calendars/new/"))
    assert f"?organization={world.provider.pk}" in calendars
    assert login(world.tech_b).get(f"/desk/sla/policies/new/?organization={world.client_a.pk}").status_code == 404


# --- business services ---------------------------------------------------------------------------


def test_business_services_list_and_editor(world: World, login: Any, owner: User) -> None:
    catalog_services.create_service(by=world.admin, organization=world.client_b, name="Messagerie du cabinet")
    client = login(owner)
    url = f"/desk/services/new/?organization={world.client_a.pk}"
    data = {"name": "Caisse", "criticality": "1", "hourly_downtime_cost": "-5", "owner": "", "calendar": "", "is_active": "on"}
    refused = client.post(url, data)
    assert refused.status_code == 422 and "cannot be negative" in text(refused)
    data["hourly_downtime_cost"] = "350.50"
    data["owner"] = str(world.manager_a.pk)
    response = client.post(url, data)
    service = BusinessService.objects.get(name="Caisse")
    assert response.status_code == 302 and service.hourly_downtime_cost == Decimal("350.50")
    listing = text(client.get("/desk/services/"))
    assert "Caisse" in listing and "350.50 €" in listing and "Messagerie du cabinet" not in listing
    tech = login(world.tech_a)
    assert "You can read this service" in text(tech.get(f"/desk/services/{service.pk}/edit/"))
    assert tech.post(f"/desk/services/{service.pk}/edit/", data).status_code == 403
    assert login(world.tech_b).get(f"/desk/services/{service.pk}/").status_code == 404


# --- clocks on tickets -----------------------------------------------------------------------------


NOW = datetime(2026, 3, 3, 10, 0, tzinfo=timezone.get_default_timezone())


def clock(ticket: Ticket, state: str = ClockState.RUNNING, due_in: timedelta | None = None, **extra: Any) -> TicketSla:
    values: dict[str, Any] = {
        "resolution_state": state,
        "resolution_due_at": NOW + due_in if due_in is not None else None,
        "resolution_target_minutes": 240,
        "computed_at": NOW,
        **extra,
    }
    # Replace what the engine computed when the ticket was opened by exactly these clocks.
    TicketSla.objects.filter(ticket=ticket).delete()
    return TicketSla.objects.create(ticket=ticket, **values)


def open_tickets(world: World, count: int) -> list[Ticket]:
    """Tickets with no clock computed yet (the engine computes one as a ticket opens: drop it)."""
    opened = [
        ticket_services.open_ticket(by=world.requester_a, organization=world.client_a, title=f"Poste {index}")
        for index in range(count)
    ]
    TicketSla.objects.filter(ticket__in=opened).delete()
    return opened


def shown(client: Client, **query: Any) -> list[str]:
    body = client.get("/desk/tickets/", query).content.decode()
    return re.findall(r'class="ref" href="/desk/tickets/((?:INC|REQ)-\d+)/"', body)


@time_machine.travel(NOW, tick=False)
def test_the_queue_sorts_by_time_left_with_tickets_without_due_date_last(world: World, login: Any) -> None:
    one, two, three, four, five = open_tickets(world, 5)
    clock(one, due_in=timedelta(hours=5))
    clock(two, ClockState.BREACHED, due_in=timedelta(hours=-3))
    clock(three, ClockState.AT_RISK, due_in=timedelta(minutes=30))
    clock(four, ClockState.PAUSED)  # paused: no due date
    client = login(world.tech_a)
    refs = [t.reference for t in (two, three, one)]
    assert shown(client, sort="due") == [*refs, four.reference, five.reference]
    assert shown(client, sort="-due") == [*reversed(refs), five.reference, four.reference]
    body = text(client.get("/desk/tickets/", {"sort": "due"}))
    assert 'aria-sort="ascending"' in body and "Time left" in body
    assert "overdue by 3 h" in body and "in 30 min" in body and "in 5 h" in body
    assert 'clock--breached">Breached' in body and 'clock--at_risk">At risk' in body and 'clock--paused">Paused' in body


@time_machine.travel(NOW, tick=False)
def test_the_queue_filters_by_sla_state(world: World, login: Any) -> None:
    one, two, three, four = open_tickets(world, 4)
    clock(one, ClockState.AT_RISK, due_in=timedelta(minutes=30))
    clock(two, ClockState.BREACHED, due_in=timedelta(hours=-1))
    clock(three, ClockState.RUNNING, due_in=timedelta(hours=2), response_state=ClockState.BREACHED)
    clock(four, ClockState.PAUSED)
    client = login(world.tech_a)
    assert shown(client, sla="at_risk") == [one.reference]
    assert sorted(shown(client, sla="breached")) == sorted([two.reference, three.reference])
    assert shown(client, sla="paused") == [four.reference]
    assert "Response: Breached" in text(client.get("/desk/tickets/", {"sla": "breached"}))
    invalid = client.get("/desk/tickets/", {"sla": "sleeping"})
    assert invalid.status_code == 200 and "Some filters are not valid" in text(invalid)
    assert login(world.tech_b).get("/desk/tickets/", {"sla": "at_risk"}).content.decode().count('class="ref"') == 0


@time_machine.travel(NOW, tick=False)
def test_the_queue_reads_the_clocks_in_a_constant_number_of_queries(world: World, login: Any) -> None:
    client = login(world.tech_a)
    tickets = open_tickets(world, 2)
    for ticket in tickets:
        clock(ticket, due_in=timedelta(hours=1))
    client.get("/desk/tickets/", {"sort": "due"})  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get("/desk/tickets/", {"sort": "due"})
    for ticket in open_tickets(world, 6):
        clock(ticket, ClockState.AT_RISK, due_in=timedelta(minutes=20))
    open_tickets(world, 2)  # without clocks
    with CaptureQueriesContext(connection) as many:
        client.get("/desk/tickets/", {"sort": "due"})
    assert len(many.captured_queries) == len(few.captured_queries)


@time_machine.travel(NOW, tick=False)
def test_the_ticket_page_shows_both_clocks(world: World, login: Any) -> None:
    calendar = office(world)
    policy = services.create_policy(by=world.admin, organization=world.client_a, name="Contrat standard", calendar=calendar)
    ticket, bare = open_tickets(world, 2)
    clock(
        ticket,
        ClockState.AT_RISK,
        due_in=timedelta(minutes=45),
        policy=policy,
        resolution_elapsed_seconds=3 * 3600 + 15 * 60,
        resolution_paused_seconds=1800,
        response_state=ClockState.MET,
        response_target_minutes=30,
        response_elapsed_seconds=600,
        response_met=True,
    )
    body = text(login(world.tech_a).get(f"/desk/tickets/{ticket.reference}/"))
    assert "Policy: Contrat standard" in body
    assert "Response" in body and 'clock--met">Met' in body and "30 min" in body and "10 min" in body
    assert 'clock--at_risk">At risk' in body and "4 h" in body and "3 h 15" in body and "(81 %)" in body
    assert "in 45 min" in body and "Paused for" in body
    assert "No service level has been computed" in text(login(world.tech_a).get(f"/desk/tickets/{bare.reference}/"))


@time_machine.travel(NOW, tick=False)
def test_the_portal_shows_the_expected_resolution_only(world: World, login: Any) -> None:
    calendar = office(world)
    policy = services.create_policy(by=world.admin, organization=world.client_a, name="Contrat secret", calendar=calendar)
    ticket, paused, bare = open_tickets(world, 3)
    clock(ticket, ClockState.BREACHED, due_in=timedelta(hours=-1), policy=policy, resolution_elapsed_seconds=999)
    clock(paused, ClockState.PAUSED, policy=policy)
    client = login(world.requester_a)
    body = text(client.get(f"/portal/tickets/{ticket.reference}/"))
    assert "Expected resolution by" in body and "Contrat secret" not in body and "Breached" not in body
    for other in (paused, bare):
        assert "Expected resolution by" not in text(client.get(f"/portal/tickets/{other.reference}/"))
