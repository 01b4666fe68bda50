"""The ticket endpoints: list, filters, search, ordering, create, update and the workflow actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import World
from tests.test_api_support import api_as, error_fields, results, ticket_of, upload
from vigie.servicedesk import services
from vigie.servicedesk.models import Category, Channel, EventKind, Level, Ticket, TicketStatus, TicketType

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def references(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [t["reference"] for t in results(response)]


def test_requester_opens_a_ticket_for_their_company(world: World) -> None:
    response = api_as(world.requester_a).post(
        TICKETS, {"title": "Écran noir", "description": "Depuis ce matin", "impact": 1, "urgency": 1}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(reference=body["reference"])
    assert response["Location"] == f"/api/v1/tickets/{ticket.reference}/"
    assert ticket.organization == world.client_a
    assert ticket.requester == world.requester_a
    assert ticket.channel == Channel.API
    assert (ticket.priority, body["priority"], body["status"]) == (1, 1, TicketStatus.NEW)
    assert body["organization"]["slug"] == "martin"
    assert body["requester"]["email"] == world.requester_a.email
    assert ticket.events.filter(kind=EventKind.CREATED, actor=world.requester_a).exists()


def test_staff_must_name_the_client_and_may_assign_at_creation(world: World) -> None:
    client = api_as(world.tech_a)
    response = client.post(TICKETS, {"title": "Serveur lent"}, format="json")
    assert response.status_code == 400
    assert "organization" in error_fields(response)
    response = client.post(
        TICKETS,
        {
            "title": "Serveur lent",
            "organization": world.client_a.pk,
            "requester": world.requester_a.pk,
            "assignee": world.tech_a.pk,
            "group": world.group_a.pk,
            "type": TicketType.REQUEST,
            "channel": Channel.PHONE,
            "watchers": [world.manager_a.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("REQ-")
    assert body["status"] == TicketStatus.ASSIGNED
    assert body["assignee"]["id"] == world.tech_a.pk and body["group"]["id"] == world.group_a.pk
    assert [w["id"] for w in body["watchers"]] == [world.manager_a.pk]
    assert body["channel"] == Channel.PHONE
    # The creation answer is the ticket exactly as it reads afterwards.
    assert client.get(response["Location"]).json() == body


def test_client_user_cannot_record_another_channel_or_assign(world: World) -> None:
    client = api_as(world.requester_a)
    response = client.post(TICKETS, {"title": "X", "channel": Channel.PHONE}, format="json")
    assert response.status_code == 400 and "channel" in error_fields(response)
    # Provider staff ids do not even resolve for a requester.
    response = client.post(TICKETS, {"title": "X", "assignee": world.tech_a.pk}, format="json")
    assert response.status_code == 400 and "assignee" in error_fields(response)
    assert not Ticket.objects.exists()


def test_ticket_with_attachments_in_one_multipart_request(world: World) -> None:
    response = api_as(world.requester_a).post(
        TICKETS, {"title": "Capture", "files": [upload(), upload("notes.txt", b"hello", "text/plain")]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert sorted(ticket.attachments.values_list("filename", "content_type")) == [
        ("capture.png", "image/png"),
        ("notes.txt", "text/plain"),
    ]


def test_list_is_paginated_and_scoped(world: World) -> None:
    for number in range(3):
        ticket_of(world, title=f"A{number}")
    services.open_ticket(by=world.requester_b, organization=world.client_b, title="B")
    response = api_as(world.tech_a).get(TICKETS, {"page_size": 2})
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2 and body["next"] and body["previous"] is None
    assert {t["organization"]["id"] for t in body["results"]} == {world.client_a.pk}
    second = api_as(world.tech_a).get(TICKETS, {"page_size": 2, "page": 2}).json()
    assert len(second["results"]) == 1
    assert api_as(world.admin).get(TICKETS).json()["count"] == 4


def test_requester_lists_only_own_tickets_manager_the_company(world: World) -> None:
    own = ticket_of(world, title="Mine")
    ticket_of(world, title="Colleague", by=world.requester_a2)
    assert references(api_as(world.requester_a).get(TICKETS)) == [own.reference]
    assert len(references(api_as(world.manager_a).get(TICKETS))) == 2


def test_filters(world: World) -> None:
    hardware = Category.objects.create(name="Matériel")
    printers = Category.objects.create(name="Imprimantes", parent=hardware)
    first = ticket_of(world, title="Imprimante", category=printers, impact=Level.HIGH, urgency=Level.HIGH)
    second = ticket_of(world, title="VPN", type=TicketType.REQUEST, by=world.requester_a2)
    services.assign_ticket(second, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
    third = ticket_of(world, title="Messagerie", channel=Channel.EMAIL)
    services.cancel_ticket(third, by=world.tech_a)
    Ticket.objects.filter(pk=third.pk).update(created_at=timezone.now() - timedelta(days=10))
    client = api_as(world.tech_a)

    def refs(**params: object) -> set[str]:
        return set(references(client.get(TICKETS, params)))

    assert refs(status="new") == {first.reference}
    assert refs(status="new,assigned") == {first.reference, second.reference}
    assert refs(status=["new", "cancelled"]) == {first.reference, third.reference}
    assert refs(priority=1) == {first.reference}
    assert refs(type="request") == {second.reference}
    assert refs(assignee="none") == {first.reference, third.reference}
    assert refs(assignee="me") == {second.reference}
    assert refs(assignee=world.tech_a.pk) == {second.reference}
    assert refs(group=world.group_a.pk) == {second.reference}
    assert refs(requester=world.requester_a2.pk) == {second.reference}
    assert refs(category=hardware.pk) == {first.reference}  # subcategories included
    assert refs(channel="email") == {third.reference}
    assert refs(organization=world.client_a.pk) == {first.reference, second.reference, third.reference}
    assert refs(client="martin") == {first.reference, second.reference, third.reference}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert refs(created_after=since) == {first.reference, second.reference}
    assert refs(created_before=since) == {third.reference}


def test_bad_filter_values_are_400_with_the_field(world: World) -> None:
    client = api_as(world.tech_a)
    for params, field in [
        ({"status": "lost"}, "status"),
        ({"assignee": "somebody"}, "assignee"),
        ({"requester": "none"}, "requester"),
        ({"organization": world.client_b.pk}, "organization"),  # another tenant: as if it did not exist
        ({"group": 999999}, "group"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"ordering": "title"}, "ordering"),
    ]:
        response = client.get(TICKETS, params)
        assert response.status_code == 400, params
        assert field in error_fields(response), params
    # Provider groups are back-office data: a requester cannot even name one.
    response = api_as(world.requester_a).get(TICKETS, {"group": world.group_a.pk})
    assert response.status_code == 400 and "group" in error_fields(response)


def test_search_finds_title_description_and_replies(world: World) -> None:
    printer = ticket_of(world, title="Imprimante bloquée", description="Bourrage papier au 2e étage")
    vpn = ticket_of(world, title="VPN")
    services.add_comment(vpn, by=world.tech_a, body="Le certificat a expiré")
    ticket_of(world, title="Messagerie")
    client = api_as(world.tech_a)
    assert references(client.get(TICKETS, {"search": "imprimante"})) == [printer.reference]
    assert references(client.get(TICKETS, {"search": "bourrage"})) == [printer.reference]
    assert references(client.get(TICKETS, {"search": "certificat"})) == [vpn.reference]
    assert references(client.get(TICKETS, {"search": vpn.reference})) == [vpn.reference]
    assert references(client.get(TICKETS, {"search": "imprimante", "status": "closed"})) == []


def test_search_never_crosses_tenants(world: World) -> None:
    services.open_ticket(by=world.requester_b, organization=world.client_b, title="Imprimante Lefèvre")
    assert references(api_as(world.requester_a).get(TICKETS, {"search": "imprimante"})) == []
    assert references(api_as(world.tech_a).get(TICKETS, {"search": "Lefèvre"})) == []


def test_ordering(world: World) -> None:
    low = ticket_of(world, title="Low", impact=Level.LOW, urgency=Level.LOW)
    high = ticket_of(world, title="High", impact=Level.HIGH, urgency=Level.HIGH)
    mid = ticket_of(world, title="Mid")
    client = api_as(world.tech_a)
    assert references(client.get(TICKETS)) == [mid.reference, high.reference, low.reference]  # newest first
    assert references(client.get(TICKETS, {"ordering": "priority"})) == [high.reference, mid.reference, low.reference]
    assert references(client.get(TICKETS, {"ordering": "-priority"})) == [low.reference, mid.reference, high.reference]
    assert references(client.get(TICKETS, {"ordering": "reference"})) == [low.reference, high.reference, mid.reference]
    services.add_comment(low, by=world.tech_a, body="Update")
    assert references(client.get(TICKETS, {"ordering": "-last_activity_at"}))[0] == low.reference
    # Statuses sort in the order of the workflow (new before cancelled), not alphabetically.
    services.cancel_ticket(mid, by=world.tech_a)
    assert references(client.get(TICKETS, {"ordering": "status,created_at"})) == [low.reference, high.reference, mid.reference]
    assert references(client.get(TICKETS, {"ordering": "-status,created_at"})) == [mid.reference, low.reference, high.reference]
    request = ticket_of(world, title="Request", type=TicketType.REQUEST)
    assert references(client.get(TICKETS, {"ordering": "-reference"}))[0] == request.reference
    # References past 999999 still sort by number, not as text.
    Ticket.objects.filter(pk=high.pk).update(number=1_000_000, reference="INC-1000000")
    assert references(client.get(TICKETS, {"ordering": "reference"}))[:3] == [low.reference, mid.reference, "INC-1000000"]


def test_list_query_count_does_not_grow_with_the_page(world: World) -> None:
    client = api_as(world.tech_a)
    for number in range(3):
        ticket = ticket_of(world, title=f"T{number}", category=Category.objects.create(name=f"C{number}"))
        services.assign_ticket(ticket, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
        services.set_watchers(ticket, by=world.tech_a, watchers=[world.manager_a, world.it_contact_a])
    client.get(TICKETS)  # warm up the token's last-use stamp

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(TICKETS, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(captured.captured_queries)

    small = queries(1)
    for number in range(3, 20):
        ticket = ticket_of(world, title=f"T{number}", category=Category.objects.create(name=f"C{number}"))
        services.assign_ticket(ticket, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
        services.set_watchers(ticket, by=world.tech_a, watchers=[world.manager_a])
    assert queries(20) == small
    assert small <= 8


def test_retrieve_by_reference_in_any_spelling(world: World) -> None:
    ticket = ticket_of(world)
    client = api_as(world.requester_a)
    number = int(ticket.reference.split("-")[1])
    for spelling in (ticket.reference, ticket.reference.lower(), f"INC-{number}"):
        response = client.get(f"{TICKETS}{spelling}/")
        assert response.status_code == 200, spelling
        assert response.json()["reference"] == ticket.reference
    assert client.get(f"{TICKETS}INC-999999/").status_code == 404


def test_staff_updates_fields_and_priority_follows_the_matrix(world: World) -> None:
    ticket = ticket_of(world)
    category = Category.objects.create(name="Réseau")
    response = api_as(world.tech_a).patch(
        f"{TICKETS}{ticket.reference}/",
        {"title": "Plus de réseau", "impact": 1, "urgency": 1, "category": category.pk, "site": world.site_a.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["priority"], body["category"]["id"], body["site"]["id"]) == (
        "Plus de réseau",
        1,
        category.pk,
        world.site_a.pk,
    )
    assert ticket.events.filter(kind=EventKind.PRIORITY).exists()


def test_update_refuses_read_only_and_unknown_fields(world: World) -> None:
    ticket = ticket_of(world)
    response = api_as(world.tech_a).patch(
        f"{TICKETS}{ticket.reference}/", {"status": "resolved", "titel": "typo", "urgency": "high"}, format="json"
    )
    assert response.status_code == 400
    fields = error_fields(response)
    assert set(fields) == {"status", "titel", "urgency"}
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW and ticket.title == "Imprimante en panne"


def test_requester_cannot_update_their_ticket(world: World) -> None:
    ticket = ticket_of(world)
    response = api_as(world.requester_a).patch(f"{TICKETS}{ticket.reference}/", {"title": "Hacked"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_put_is_not_offered(world: World) -> None:
    ticket = ticket_of(world)
    response = api_as(world.tech_a).put(f"{TICKETS}{ticket.reference}/", {"title": "X"}, format="json")
    assert response.status_code == 405


def test_assign_then_unassign(world: World) -> None:
    ticket = ticket_of(world)
    client = api_as(world.tech_a)
    url = f"{TICKETS}{ticket.reference}/assign/"
    body = client.post(url, {"assignee": world.tech_a.pk, "group": world.group_a.pk}, format="json").json()
    assert body["status"] == TicketStatus.ASSIGNED and body["assignee"]["id"] == world.tech_a.pk
    body = client.post(url, {"assignee": None}, format="json").json()
    assert body["assignee"] is None and body["group"]["id"] == world.group_a.pk and body["status"] == TicketStatus.NEW
    response = client.post(url, {"assignee": world.tech_b.pk}, format="json")
    assert response.status_code == 400 and "assignee" in error_fields(response)  # serves another client only
    response = client.post(url, {}, format="json")
    assert response.status_code == 400 and "assignee" in error_fields(response)


def test_status_resolve_close_reopen_cancel(world: World) -> None:
    ticket = ticket_of(world)
    tech = api_as(world.tech_a)
    requester = api_as(world.requester_a)
    base = f"{TICKETS}{ticket.reference}"
    assert tech.post(f"{base}/status/", {"status": "in_progress"}, format="json").json()["status"] == "in_progress"
    response = tech.post(f"{base}/resolve/", {"resolution": "  "}, format="json")
    assert response.status_code == 400 and "resolution" in error_fields(response)
    body = tech.post(f"{base}/resolve/", {"resolution": "Toner remplacé"}, format="json").json()
    assert (body["status"], body["resolution"]) == ("resolved", "Toner remplacé")
    assert body["allowed_statuses"] == ["in_progress", "closed"]
    # The requester may reopen a resolved ticket, then the technician resolves and closes.
    assert requester.post(f"{base}/reopen/", format="json").json()["reopen_count"] == 1
    tech.post(f"{base}/status/", {"status": "resolved", "resolution": "Toner remplacé, testé"}, format="json")
    body = tech.post(f"{base}/close/", format="json").json()
    assert body["status"] == "closed" and body["closed_at"]
    other = ticket_of(world, title="Doublon")
    assert tech.post(f"{TICKETS}{other.reference}/cancel/", format="json").json()["status"] == "cancelled"


def test_forbidden_transition_is_a_400_on_status(world: World) -> None:
    ticket = ticket_of(world)
    client = api_as(world.tech_a)
    client.post(f"{TICKETS}{ticket.reference}/cancel/", format="json")
    response = client.post(f"{TICKETS}{ticket.reference}/status/", {"status": "in_progress"}, format="json")
    assert response.status_code == 400
    assert "status" in error_fields(response)
    response = client.post(f"{TICKETS}{ticket.reference}/close/", {"force": True}, format="json")
    assert response.status_code == 400 and "force" in error_fields(response)


def test_requester_on_staff_actions_gets_403_on_own_ticket(world: World) -> None:
    ticket = ticket_of(world)
    client = api_as(world.requester_a)
    base = f"{TICKETS}{ticket.reference}"
    for path, payload in [
        ("assign/", {"assignee": world.tech_a.pk}),
        ("cancel/", {}),
        ("watchers/", {"watchers": []}),
        ("status/", {"status": "in_progress"}),
        ("resolve/", {"resolution": "Done"}),
    ]:
        response = client.post(f"{base}/{path}", payload, format="json")
        assert response.status_code == 403, (path, response.content)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_watchers_are_replaced(world: World) -> None:
    ticket = ticket_of(world)
    client = api_as(world.tech_a)
    url = f"{TICKETS}{ticket.reference}/watchers/"
    body = client.post(url, {"watchers": [world.manager_a.pk, world.tech_a.pk]}, format="json").json()
    assert sorted(w["id"] for w in body["watchers"]) == sorted([world.manager_a.pk, world.tech_a.pk])
    response = client.post(url, {"watchers": [world.requester_b.pk]}, format="json")
    assert response.status_code == 400 and "watchers" in error_fields(response)
    assert client.post(url, {"watchers": []}, format="json").json()["watchers"] == []
    assert ticket.events.filter(kind=EventKind.WATCHER).count() == 2


def test_manager_opens_for_a_colleague_requester_only_for_themselves(world: World) -> None:
    response = api_as(world.manager_a).post(TICKETS, {"title": "Pour Paul", "requester": world.requester_a2.pk}, format="json")
    assert response.status_code == 201 and response.json()["requester"]["id"] == world.requester_a2.pk
    response = api_as(world.requester_a).post(TICKETS, {"title": "Pour Paul", "requester": world.requester_a2.pk}, format="json")
    # A requester cannot even resolve a colleague's id, let alone open a ticket in their name.
    assert response.status_code == 400 and "requester" in error_fields(response)
    response = api_as(world.manager_a).post(TICKETS, {"title": "Chez B", "requester": world.requester_b.pk}, format="json")
    assert response.status_code == 400 and "requester" in error_fields(response)
    assert Ticket.objects.count() == 1
