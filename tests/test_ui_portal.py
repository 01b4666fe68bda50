"""The self-service portal: own tickets, company view, opening, following, answering, confirming."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vigie.servicedesk import services
from vigie.servicedesk.models import Attachment, Channel, Comment, Level, Ticket, TicketStatus, TicketType
from vigie.servicedesk.services import Upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def refs(response) -> set[str]:
    return set(re.findall(r'href="/portal/tickets/((?:INC|REQ)-\d+)/"', response.content.decode()))


@pytest.fixture
def tickets(world):
    rose = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Imprimante de Rose")
    paul = services.open_ticket(by=world.requester_a2, organization=world.client_a, title="Écran de Paul")
    ivan = services.open_ticket(by=world.it_contact_a, organization=world.client_a, title="Licence Office")
    emma = services.open_ticket(by=world.requester_b, organization=world.client_b, title="Cabinet : scanner")
    return {"rose": rose, "paul": paul, "ivan": ivan, "emma": emma}


def test_requester_sees_only_their_own_tickets(world, tickets, login):
    response = login(world.requester_a).get("/portal/")
    assert response.status_code == 200
    assert refs(response) == {tickets["rose"].reference}
    assert "All company" not in response.content.decode()
    # Asking for the company view changes nothing for a requester.
    assert refs(login(world.requester_a).get("/portal/?scope=all")) == {tickets["rose"].reference}


def test_watched_ticket_is_listed_for_the_requester(world, tickets, login):
    services.set_watchers(tickets["paul"], by=world.tech_a, watchers=[world.requester_a])
    assert refs(login(world.requester_a).get("/portal/")) == {tickets["rose"].reference, tickets["paul"].reference}


@pytest.mark.parametrize("user_attr", ["it_contact_a", "manager_a"])
def test_it_contact_and_manager_see_the_whole_company_with_a_mine_filter(world, tickets, login, user_attr):
    user = getattr(world, user_attr)
    client = login(user)
    everything = {tickets[name].reference for name in ("rose", "paul", "ivan")}
    assert refs(client.get("/portal/")) == everything
    mine = refs(client.get("/portal/?scope=mine"))
    assert mine == ({tickets["ivan"].reference} if user == world.it_contact_a else set())
    assert "All company" in client.get("/portal/").content.decode()


def test_open_and_finished_filters_and_search(world, tickets, login):
    services.resolve_ticket(tickets["rose"], by=world.tech_a, resolution="Rouleau changé")
    client = login(world.it_contact_a)
    assert tickets["rose"].reference not in refs(client.get("/portal/"))
    assert refs(client.get("/portal/?state=finished")) == {tickets["rose"].reference}
    assert refs(client.get("/portal/?state=all&q=licence")) == {tickets["ivan"].reference}


def test_another_company_ticket_is_404_everywhere(world, tickets, login):
    emma = tickets["emma"]
    for user in (world.requester_a, world.it_contact_a, world.manager_a):
        client = login(user)
        assert client.get(f"/portal/tickets/{emma.reference}/").status_code == 404
        assert client.post(f"/portal/tickets/{emma.reference}/reply/", {"body": "hop"}).status_code == 404
        assert client.post(f"/portal/tickets/{emma.reference}/close/").status_code == 404
    assert not Comment.objects.filter(ticket=emma).exists()


def test_colleague_ticket_is_404_for_a_requester(world, tickets, login):
    assert login(world.requester_a).get(f"/portal/tickets/{tickets['paul'].reference}/").status_code == 404


def test_ticket_page_shows_only_the_public_timeline(world, tickets, login):
    ticket = tickets["rose"]
    services.assign_ticket(ticket, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
    services.add_comment(
        ticket, by=world.tech_a, body="Avez-vous redémarré l'imprimante ?", uploads=[Upload("guide.txt", b"etapes")]
    )
    services.add_comment(
        ticket, by=world.tech_a, body="Client difficile, facturer", internal=True, uploads=[Upload("devis-interne.txt", b"x")]
    )
    services.add_attachments(ticket, [Upload("schema-reseau.txt", b"secret")], by=world.tech_a, internal=True)
    services.update_ticket(ticket, by=world.tech_a, impact=Level.HIGH)
    body = login(world.requester_a).get(f"/portal/tickets/{ticket.reference}/").content.decode()
    assert "Avez-vous redémarré l&#x27;imprimante ?" in body and "guide.txt" in body
    assert "Client difficile" not in body and "devis-interne.txt" not in body and "schema-reseau.txt" not in body
    assert "Internal" not in body and "priority" not in body.lower().split("<main", 1)[1]
    assert "changed the status from New to Assigned" in body


def test_requester_opens_an_incident_with_attachments(world, login):
    files = [
        SimpleUploadedFile("erreur.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32),
        SimpleUploadedFile("journal.txt", b"Erreur 0x80070005"),
    ]
    response = login(world.requester_a).post(
        "/portal/tickets/new/",
        {
            "organization": world.client_a.pk,
            "type": TicketType.INCIDENT,
            "title": "Outlook plante",
            "description": "Depuis ce matin",
            "site": world.site_a.pk,
            "urgency": Level.HIGH,
            "attachments": files,
        },
    )
    ticket = Ticket.objects.get(title="Outlook plante")
    assert response.status_code == 302 and response["Location"] == f"/portal/tickets/{ticket.reference}/"
    assert (ticket.requester, ticket.organization, ticket.channel, ticket.urgency) == (
        world.requester_a,
        world.client_a,
        Channel.PORTAL,
        Level.HIGH,
    )
    assert ticket.site == world.site_a
    assert sorted(ticket.attachments.values_list("filename", flat=True)) == ["erreur.png", "journal.txt"]
    page = login(world.requester_a).get(response["Location"]).content.decode()
    assert "has been recorded" in page and "erreur.png" in page


def test_requester_cannot_open_for_a_colleague(world, login):
    body = login(world.requester_a).get("/portal/tickets/new/").content.decode()
    assert 'name="requester"' not in body
    login(world.requester_a).post(
        "/portal/tickets/new/",
        {
            "organization": world.client_a.pk,
            "type": "incident",
            "title": "Pour Paul",
            "description": "x",
            "urgency": 2,
            "requester": world.requester_a2.pk,
        },
    )
    assert Ticket.objects.get(title="Pour Paul").requester == world.requester_a  # the field is not offered, so ignored


def test_it_contact_opens_a_request_for_a_colleague(world, login):
    body = login(world.it_contact_a).get("/portal/tickets/new/").content.decode()
    assert world.requester_a2.email in body and world.requester_b.email not in body
    response = login(world.it_contact_a).post(
        "/portal/tickets/new/",
        {
            "organization": world.client_a.pk,
            "type": "request",
            "title": "Accès VPN pour Paul",
            "description": "Nouveau poste",
            "urgency": 3,
            "requester": world.requester_a2.pk,
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="Accès VPN pour Paul")
    assert ticket.requester == world.requester_a2 and ticket.type == TicketType.REQUEST
    assert ticket.reference.startswith("REQ-")


def test_new_ticket_errors_are_shown(world, login):
    response = login(world.requester_a).post(
        "/portal/tickets/new/",
        {"organization": world.client_a.pk, "type": "incident", "title": "", "description": "", "urgency": 2},
    )
    assert response.status_code == 422
    assert response.content.decode().count("This field is required.") == 2
    assert not Ticket.objects.exists()


def test_a_requester_cannot_open_for_another_company(world, login):
    response = login(world.requester_a).post(
        "/portal/tickets/new/",
        {"organization": world.client_b.pk, "type": "incident", "title": "Intrus", "description": "x", "urgency": 2},
    )
    assert response.status_code == 422
    assert not Ticket.objects.filter(title="Intrus").exists()


def test_reply_with_attachment_and_waiting_ticket_resumes(world, tickets, login):
    ticket = tickets["rose"]
    services.change_status(ticket, TicketStatus.WAITING_CUSTOMER, by=world.tech_a)
    response = login(world.requester_a).post(
        f"/portal/tickets/{ticket.reference}/reply/",
        {"body": "Voici la photo", "attachments": [SimpleUploadedFile("photo.txt", b"...")]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    comment = Comment.objects.get(ticket=ticket)
    assert comment.channel == Channel.PORTAL and not comment.is_internal
    assert comment.attachments.get().filename == "photo.txt"


def test_reply_by_htmx_and_empty_reply(world, tickets, login):
    url = f"/portal/tickets/{tickets['rose'].reference}/reply/"
    empty = login(world.requester_a).post(url, {"body": ""}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 422 and "Write a message or attach a file." in empty.content.decode()
    done = login(world.requester_a).post(url, {"body": "Merci"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    body = done.content.decode()
    assert body.lstrip().startswith('<div id="ticket-workspace"') and "Your reply has been sent." in body


def test_resolved_ticket_offers_close_and_reopen(world, tickets, login):
    ticket = tickets["rose"]
    services.resolve_ticket(ticket, by=world.tech_a, resolution="Pilote réinstallé")
    body = login(world.requester_a).get(f"/portal/tickets/{ticket.reference}/").content.decode()
    assert "Pilote réinstallé" in body and "s fixed, close it" in body and "Still broken, reopen" in body
    login(world.requester_a).post(f"/portal/tickets/{ticket.reference}/reopen/")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.reopen_count == 1
    services.resolve_ticket(ticket, by=world.tech_a, resolution="Imprimante remplacée")
    response = login(world.requester_a).post(f"/portal/tickets/{ticket.reference}/close/")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    page = login(world.requester_a).get(f"/portal/tickets/{ticket.reference}/").content.decode()
    assert "This ticket is finished" in page and 'action="/portal/tickets/' not in page


def test_closing_an_open_ticket_is_refused_with_a_message(world, tickets, login):
    response = login(world.requester_a).post(f"/portal/tickets/{tickets['rose'].reference}/close/")
    assert response.status_code == 422
    assert "You cannot change this ticket" in response.content.decode()
    tickets["rose"].refresh_from_db()
    assert tickets["rose"].status == TicketStatus.NEW


def test_staff_can_preview_the_portal(world, tickets, login):
    response = login(world.tech_a).get("/portal/?state=all")
    assert response.status_code == 200
    assert tickets["rose"].reference in refs(response) and tickets["emma"].reference not in refs(response)


def test_attachment_of_the_portal_is_not_internal(world, tickets, login):
    services.add_comment(tickets["rose"], by=world.tech_a, body="note", internal=True, uploads=[Upload("interne.txt", b"x")])
    internal = Attachment.objects.get(filename="interne.txt")
    assert login(world.requester_a).get(f"/portal/attachments/{internal.pk}/").status_code == 404
    assert login(world.tech_a).get(f"/portal/attachments/{internal.pk}/").status_code == 200


def test_the_portal_menu_follows_the_role(world, login):
    """Requesters order and read help; the company's manager and IT contact also read its
    dashboard and contracts; only the manager, who approves them, is offered the changes."""

    def menu(user) -> set[str]:
        html = login(user).get("/portal/").content.decode()
        nav = html[html.index('class="mainnav"') : html.index("</nav>")]
        return set(re.findall(r'href="(/portal/[^"]*)"', nav))

    everyone = {"/portal/", "/portal/tickets/new/", "/portal/catalog/", "/portal/knowledge/"}
    company = {"/portal/reports/", "/portal/contracts/", "/portal/health/"}
    assert menu(world.requester_a) == everyone
    assert menu(world.it_contact_a) == everyone | company
    assert menu(world.manager_a) == everyone | company | {"/portal/changes/"}
    for path in sorted(menu(world.manager_a)):
        assert login(world.manager_a).get(path, follow=True).status_code == 200, path
