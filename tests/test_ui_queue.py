"""The technician's queue: visibility, filters, sort, pagination, htmx fragment, query count."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vigie.servicedesk import services
from vigie.servicedesk.models import Category, Level, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English source strings; the French catalog is tested elsewhere."""
    settings.LANGUAGE_CODE = "en"


URL = "/desk/tickets/"


def references(response) -> list[str]:
    return re.findall(r'class="ref" href="/desk/tickets/((?:INC|REQ)-\d+)/"', response.content.decode())


@pytest.fixture
def queue(world):
    hardware = Category.objects.create(name="Poste de travail")
    screen = Category.objects.create(name="Écran", parent=hardware)
    mail = Category.objects.create(name="Messagerie")
    t = {}
    t["printer"] = services.open_ticket(
        by=world.requester_a, organization=world.client_a, title="Imprimante bloquée", category=screen
    )
    t["vpn"] = services.open_ticket(
        by=world.requester_a2,
        organization=world.client_a,
        title="Accès VPN pour Paul",
        type=TicketType.REQUEST,
        category=mail,
        urgency=Level.HIGH,
        impact=Level.MEDIUM,
    )
    t["mine"] = services.open_ticket(
        by=world.tech_a, organization=world.client_a, requester=world.requester_a, title="Serveur lent", category=hardware
    )
    services.assign_ticket(t["mine"], by=world.tech_a, assignee=world.tech_a, group=world.group_a)
    t["done"] = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Mot de passe oublié")
    services.resolve_ticket(t["done"], by=world.tech_a, resolution="Réinitialisé")
    t["other_client"] = services.open_ticket(by=world.requester_b, organization=world.client_b, title="Cabinet: fax HS")
    services.add_comment(t["vpn"], by=world.tech_a, body="Le certificat du pare-feu est expiré")
    return t


def test_technician_sees_only_the_clients_they_serve(world, queue, login):
    response = login(world.tech_a).get(URL)
    assert response.status_code == 200
    refs = references(response)
    assert queue["printer"].reference in refs and queue["done"].reference in refs
    assert queue["other_client"].reference not in refs
    # The admin serves every client.
    assert queue["other_client"].reference in references(login(world.admin).get(URL))


@pytest.mark.parametrize("user_attr", ["requester_a", "it_contact_a", "manager_a"])
def test_client_users_do_not_have_a_queue(world, queue, login, user_attr):
    assert login(getattr(world, user_attr)).get(URL).status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=new&status=resolved", {"printer", "vpn", "done"}),
        ("status=assigned", {"mine"}),
        ("assignee=me", {"mine"}),
        ("assignee=none&status=new", {"printer", "vpn"}),
        ("priority=2", {"vpn"}),
        ("type=request", {"vpn"}),
        ("q=imprimante", {"printer"}),
        ("q=certificat", {"vpn"}),  # words of a public reply are found too
        ("q=INC-1", {"printer"}),
    ],
)
def test_filters(world, queue, login, query, expected):
    response = login(world.tech_a).get(f"{URL}?{query}")
    assert response.status_code == 200
    assert set(references(response)) == {queue[name].reference for name in expected}


def test_filter_by_client_group_and_category_with_its_children(world, queue, login):
    client = login(world.admin)
    assert set(references(client.get(f"{URL}?client={world.client_b.pk}"))) == {queue["other_client"].reference}
    assert set(references(client.get(f"{URL}?group={world.group_a.pk}"))) == {queue["mine"].reference}
    hardware = Category.objects.get(name="Poste de travail")
    assert set(references(client.get(f"{URL}?category={hardware.pk}"))) == {queue["printer"].reference, queue["mine"].reference}
    assert set(references(client.get(f"{URL}?assignee={world.tech_a.pk}"))) == {queue["mine"].reference}


def test_a_technician_cannot_filter_their_way_into_another_client(world, queue, login):
    response = login(world.tech_a).get(f"{URL}?client={world.client_b.pk}")
    assert response.status_code == 200
    assert references(response) == []
    assert "Cabinet: fax HS" not in response.content.decode()


def test_sort_by_priority_and_reference(world, queue, login):
    client = login(world.tech_a)
    by_priority = references(client.get(f"{URL}?sort=priority"))
    assert by_priority[0] == queue["vpn"].reference  # P2 before the P3 tickets
    by_reference = references(client.get(f"{URL}?sort=reference&type=incident"))
    assert by_reference == sorted(by_reference)
    assert references(client.get(f"{URL}?sort=-reference&type=incident")) == sorted(by_reference, reverse=True)


def test_sort_headers_toggle_direction_and_announce_it(world, queue, login):
    body = login(world.tech_a).get(f"{URL}?sort=priority&status=new").content.decode()
    assert 'aria-sort="ascending"' in body
    assert "?sort=-priority&amp;status=new" in body or "?status=new&amp;sort=-priority" in body


def test_pagination_keeps_the_filters(world, login):
    for number in range(53):
        services.open_ticket(by=world.requester_a, organization=world.client_a, title=f"Écran {number}")
    response = login(world.tech_a).get(f"{URL}?status=new&q=écran")
    body = response.content.decode()
    assert len(references(response)) == 50
    assert "53 tickets" in body
    next_link = re.search(r'href="(\?[^"]*page=2[^"]*)"', body)
    assert next_link is not None
    assert "status=new" in next_link.group(1) and "q=" in next_link.group(1)
    page_two = login(world.tech_a).get(URL + next_link.group(1).replace("&amp;", "&"))
    assert len(references(page_two)) == 3


def test_htmx_filter_returns_only_the_table(world, queue, login):
    response = login(world.tech_a).get(f"{URL}?status=new", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-table")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="ticket-table"')
    assert "<html" not in body and 'id="queue-filters"' not in body
    # A history restore asks for the whole page.
    full = login(world.tech_a).get(
        f"{URL}?status=new", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-table", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in full.content.decode()


def test_invalid_filter_shows_an_error_and_no_ticket(world, queue, login):
    response = login(world.tech_a).get(f"{URL}?status=bogus")
    assert response.status_code == 200
    assert references(response) == []
    assert "Some filters are not valid" in response.content.decode()


def test_saved_views_are_offered_and_marked(world, queue, login):
    body = (
        login(world.tech_a)
        .get(
            f"{URL}?assignee=me&status=new&status=assigned&status=in_progress&status=waiting_customer&status=waiting_third_party"
        )
        .content.decode()
    )
    assert re.search(r'aria-current="true">My open tickets<', body)


def test_query_count_does_not_grow_with_the_number_of_tickets(world, login):
    client = login(world.tech_a)
    for number in range(3):
        ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title=f"Lot A {number}")
        services.assign_ticket(ticket, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
    client.get(URL)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(f"{URL}?status=assigned")
    for number in range(25):
        ticket = services.open_ticket(
            by=world.requester_a2,
            organization=world.client_a,
            title=f"Lot B {number}",
            category=Category.objects.create(name=f"C{number}"),
        )
        services.assign_ticket(ticket, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{URL}?status=assigned")
    assert len(references(response)) == 28
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 15


def test_the_language_cookie_switches_the_interface_language(world, queue, login, settings):
    client = login(world.tech_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en">' in client.get(URL).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="fr">' in client.get(URL).content.decode()
