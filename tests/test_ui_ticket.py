"""The staff ticket page: header, timeline, and every action with and without htmx."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vigie.servicedesk import services
from vigie.servicedesk.models import Category, Comment, EventKind, Level, Ticket, TicketStatus
from vigie.servicedesk.services import Upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English source strings; the French catalog is tested elsewhere."""
    settings.LANGUAGE_CODE = "en"


HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "ticket-workspace"}


@pytest.fixture
def ticket(world):
    ticket = services.open_ticket(
        by=world.requester_a,
        organization=world.client_a,
        title="Imprimante bloquée",
        description="Bourrage papier au 2e étage",
        site=world.site_a,
        uploads=[Upload("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)],
    )
    return ticket


def url(ticket: Ticket, action: str = "") -> str:
    return f"/desk/tickets/{ticket.reference}/" + (f"{action}/" if action else "")


def test_ticket_page_shows_header_description_and_timeline(world, ticket, login):
    services.add_comment(ticket, by=world.tech_a, body="Je passe dans l'après-midi")
    services.add_comment(ticket, by=world.tech_a, body="Penser à commander un rouleau", internal=True)
    body = login(world.tech_a).get(url(ticket)).content.decode()
    assert "Imprimante bloquée" in body and ticket.reference in body
    assert "Bourrage papier au 2e étage" in body
    assert "Boulangerie Martin" in body and "Atelier" in body and world.requester_a.email in body
    assert "status--new" in body and "prio--3" in body
    assert "Je passe dans l&#x27;après-midi" in body
    # The internal note is there for staff, and visibly marked.
    assert re.search(r'tl-message--internal".*?Penser à commander un rouleau', body, re.S)
    assert "photo.png" in body
    assert "opened the ticket via Portal" in body


def test_ticket_of_a_client_not_served_is_404(world, login):
    other = services.open_ticket(by=world.requester_b, organization=world.client_b, title="Fax")
    assert login(world.tech_a).get(url(other)).status_code == 404
    assert login(world.tech_a).get("/desk/tickets/INC-999999/").status_code == 404


def test_ticket_page_query_count_does_not_grow_with_the_timeline(world, ticket, login):
    client = login(world.tech_a)
    client.get(url(ticket))
    with CaptureQueriesContext(connection) as few:
        client.get(url(ticket))
    for number in range(8):
        services.add_comment(ticket, by=world.tech_a, body=f"Réponse {number}", uploads=[Upload(f"log{number}.txt", b"ok")])
        services.add_comment(ticket, by=world.requester_a, body=f"Merci {number}", channel="portal")
    with CaptureQueriesContext(connection) as many:
        client.get(url(ticket))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_reply_without_javascript_redirects_and_records_a_public_reply(world, ticket, login):
    upload = SimpleUploadedFile("notes.txt", b"Journal de l'imprimante", content_type="text/plain")
    upload2 = SimpleUploadedFile("capture.txt", b"Encore", content_type="text/plain")
    response = login(world.tech_a).post(
        url(ticket, "comment"), {"visibility": "public", "body": "Bonjour, je regarde", "attachments": [upload, upload2]}
    )
    assert response.status_code == 302 and response["Location"] == url(ticket)
    comment = Comment.objects.get(ticket=ticket)
    assert comment.is_internal is False and comment.author == world.tech_a
    assert sorted(comment.attachments.values_list("filename", flat=True)) == ["capture.txt", "notes.txt"]
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    page = login(world.tech_a).get(url(ticket)).content.decode()
    assert "Reply sent to the requester." in page


def test_internal_note_by_htmx_returns_the_refreshed_workspace(world, ticket, login):
    response = login(world.tech_a).post(
        url(ticket, "comment"), {"visibility": "internal", "body": "Voir avec le fournisseur"}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="ticket-workspace"') and "<html" not in body
    assert "Internal note added." in body and "Voir avec le fournisseur" in body
    assert Comment.objects.get(ticket=ticket).is_internal is True


def test_empty_reply_is_a_form_error(world, ticket, login):
    response = login(world.tech_a).post(url(ticket, "comment"), {"visibility": "public", "body": "  "})
    assert response.status_code == 422
    assert "Write a message or attach a file." in response.content.decode()
    assert not Comment.objects.exists()


def test_blocked_attachment_is_a_form_error_and_nothing_is_written(world, ticket, login):
    evil = SimpleUploadedFile("facture.exe", b"MZ\x90\x00" + b"\0" * 100)
    response = login(world.tech_a).post(
        url(ticket, "comment"), {"visibility": "public", "body": "Voici", "attachments": [evil]}, **HTMX
    )
    assert response.status_code == 422
    assert "is a program or script" in response.content.decode()
    assert not Comment.objects.exists()


def test_oversize_attachment_is_refused_before_reading(world, ticket, login, settings):
    settings.VIGIE_MAX_ATTACHMENT_BYTES = 10
    big = SimpleUploadedFile("gros.txt", b"x" * 11)
    response = login(world.tech_a).post(url(ticket, "comment"), {"visibility": "public", "body": "Voici", "attachments": [big]})
    assert response.status_code == 422
    assert "is too large" in response.content.decode()


def test_reassign_offers_only_people_and_groups_serving_the_client(world, ticket, login):
    body = login(world.tech_a).get(url(ticket)).content.decode()
    assign_form = body[body.index('id="assign-title"') : body.index('id="details-title"')]
    assert world.tech_a.email in assign_form and world.admin.email in assign_form
    assert world.tech_b.email not in assign_form and "Support Paris" not in assign_form
    response = login(world.tech_a).post(url(ticket, "assign"), {"assignee": world.tech_a.pk, "group": world.group_a.pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.group, ticket.status) == (world.tech_a, world.group_a, TicketStatus.ASSIGNED)
    refused = login(world.tech_a).post(url(ticket, "assign"), {"assignee": world.tech_b.pk, "group": world.group_a.pk})
    assert refused.status_code == 422
    assert "Select a valid choice" in refused.content.decode()


def test_assignee_outside_the_group_is_a_localised_service_error(world, ticket, login):
    response = login(world.admin).post(url(ticket, "assign"), {"assignee": world.admin.pk, "group": world.group_a.pk}, **HTMX)
    assert response.status_code == 422
    assert "is not a member of the group Support Lyon" in response.content.decode()


def test_details_change_priority_through_the_matrix(world, ticket, login):
    category = Category.objects.create(name="Impression")
    response = login(world.tech_a).post(
        url(ticket, "details"),
        {"title": "Imprimante HS à l'atelier", "category": category.pk, "impact": Level.HIGH, "urgency": Level.HIGH},
        **HTMX,
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.priority == 1 and ticket.title == "Imprimante HS à l'atelier" and ticket.category == category
    body = response.content.decode()
    assert "changed the priority from P3 – Moderate to P1 – Critical" in body
    # The matrix travels with the page so the resulting priority shows while choosing.
    assert 'id="priority-matrix"' in body and '"1-1": "P1 \\u2013 Critical"' in body


def test_empty_title_is_refused(world, ticket, login):
    response = login(world.tech_a).post(url(ticket, "details"), {"title": "", "impact": 2, "urgency": 2})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_status_buttons_follow_the_workflow(world, ticket, login):
    body = login(world.tech_a).get(url(ticket)).content.decode()
    assert 'value="in_progress"' in body and 'value="cancelled"' in body and "Resolve…" in body
    assert 'name="status" value="closed"' not in body  # a new ticket cannot be closed directly


def test_resolve_needs_a_resolution_text(world, ticket, login):
    response = login(world.tech_a).post(url(ticket, "status"), {"status": "resolved", "resolution": ""}, **HTMX)
    assert response.status_code == 422
    assert "Say how the ticket was resolved." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_resolve_close_and_reopen(world, ticket, login):
    client = login(world.tech_a)
    client.post(url(ticket, "status"), {"status": "resolved", "resolution": "Rouleau changé"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.resolution == "Rouleau changé"
    body = client.get(url(ticket)).content.decode()
    assert "Rouleau changé" in body and ">Reopen<" in body and ">Close<" in body
    client.post(url(ticket, "status"), {"status": "closed"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
    client.post(url(ticket, "status"), {"status": "in_progress"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.reopen_count == 1
    assert "reopened the ticket" in client.get(url(ticket)).content.decode()


def test_forbidden_transition_is_a_form_error(world, ticket, login):
    response = login(world.tech_a).post(url(ticket, "status"), {"status": "closed"})
    assert response.status_code == 422
    assert "A ticket cannot go from" in response.content.decode()


def test_waiting_statuses(world, ticket, login):
    client = login(world.tech_a)
    client.post(url(ticket, "status"), {"status": "waiting_customer"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING_CUSTOMER
    client.post(url(ticket, "status"), {"status": "waiting_third_party"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING_THIRD_PARTY


def test_cancelled_ticket_offers_no_composer(world, ticket, login):
    login(world.tech_a).post(url(ticket, "status"), {"status": "cancelled"})
    body = login(world.tech_a).get(url(ticket)).content.decode()
    assert "This ticket is cancelled" in body and "No further status change is possible." in body


def test_watchers(world, ticket, login):
    response = login(world.tech_a).post(url(ticket, "watchers"), {"watchers": [world.manager_a.pk, world.tech_a.pk]})
    assert response.status_code == 302
    assert set(ticket.watchers.all()) == {world.manager_a, world.tech_a}
    refused = login(world.tech_a).post(url(ticket, "watchers"), {"watchers": [world.requester_b.pk]})
    assert refused.status_code == 422
    assert ticket.events.filter(kind=EventKind.WATCHER).count() == 1


def test_get_on_an_action_is_not_allowed(world, ticket, login):
    assert login(world.tech_a).get(url(ticket, "comment")).status_code == 405


def test_dates_follow_the_users_time_zone(world, ticket, login):
    world.tech_a.time_zone = "America/New_York"
    world.tech_a.save()
    body = login(world.tech_a).get(url(ticket)).content.decode()
    assert re.search(r'<time datetime="[^"]+-0[45]:00"', body)
