"""A technician opens a ticket for a client from the staff interface."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vigie.servicedesk.models import Category, Channel, Level, Ticket, TicketStatus, TicketType

pytestmark = pytest.mark.django_db

URL = "/desk/tickets/new/"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def form_data(world, **overrides):
    data = {
        "organization": world.client_a.pk,
        "requester": world.requester_a.pk,
        "type": TicketType.INCIDENT,
        "title": "Serveur de fichiers inaccessible",
        "description": "Appel de Rose à 9 h",
        "impact": Level.HIGH,
        "urgency": Level.HIGH,
        "site": world.site_a.pk,
        "channel": Channel.PHONE,
    }
    data.update(overrides)
    return data


def test_form_defaults_to_phone_and_lists_only_served_clients(world, login):
    body = login(world.tech_a).get(URL).content.decode()
    assert '<option value="phone" selected>' in body
    assert "Boulangerie Martin" in body and "Cabinet Lefèvre" not in body
    assert world.requester_b.email not in body


def test_choosing_the_client_limits_people_sites_and_groups(world, login):
    body = login(world.admin).get(f"{URL}?organization={world.client_b.pk}&title=Brouillon").content.decode()
    assert world.requester_b.email in body and world.requester_a.email not in body
    assert "Support Paris" in body and "Support Lyon" not in body
    assert 'value="Brouillon"' in body  # what was typed so far comes back
    assert 'hx-get="/desk/tickets/new/"' in body


def test_technician_opens_a_ticket_with_assignment_and_attachments(world, login):
    category = Category.objects.create(name="Serveurs")
    files = [SimpleUploadedFile("capture.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 16), SimpleUploadedFile("log.txt", b"disk full")]
    response = login(world.tech_a).post(
        URL, form_data(world, category=category.pk, group=world.group_a.pk, assignee=world.tech_a.pk, attachments=files)
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/tickets/{ticket.reference}/"
    assert ticket.priority == 1 and ticket.channel == Channel.PHONE and ticket.requester == world.requester_a
    assert (ticket.assignee, ticket.group, ticket.status) == (world.tech_a, world.group_a, TicketStatus.ASSIGNED)
    assert ticket.category == category and ticket.site == world.site_a
    assert ticket.attachments.count() == 2
    assert f"Ticket {ticket.reference} opened." in login(world.tech_a).get(response["Location"]).content.decode()


def test_requester_of_another_client_is_refused(world, login):
    response = login(world.admin).post(URL, form_data(world, requester=world.requester_b.pk))
    assert response.status_code == 422
    body = response.content.decode()
    requester_field = body[body.index('for="id_requester"') : body.index('for="id_site"')]
    assert "Select a valid choice" in requester_field
    assert not Ticket.objects.exists()


def test_client_not_served_is_not_a_valid_choice(world, login):
    response = login(world.tech_a).post(URL, form_data(world, organization=world.client_b.pk, requester=world.requester_b.pk))
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Ticket.objects.exists()


def test_missing_title_is_an_error(world, login):
    response = login(world.tech_a).post(URL, form_data(world, title=""))
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_clients_users_cannot_reach_the_staff_form(world, login):
    assert login(world.it_contact_a).get(URL).status_code == 404
    assert login(world.it_contact_a).post(URL, form_data(world)).status_code == 404
    assert not Ticket.objects.exists()
