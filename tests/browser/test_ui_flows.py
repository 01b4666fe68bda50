"""End-to-end flows in Debian's Chromium: a technician works the queue and a ticket; a
requester opens a request in the portal; the language switch changes the interface."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from vigie.servicedesk import services
from vigie.servicedesk.models import Comment, Ticket, TicketStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_technician_filters_the_queue_and_works_a_ticket(world, live_server, page):
    printer = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Imprimante en panne")
    services.open_ticket(by=world.requester_a2, organization=world.client_a, title="Écran qui clignote")
    log_in(page, live_server, world.tech_a)
    page.wait_for_url(f"{live_server.url}/reports/technician/")
    page.goto(f"{live_server.url}/desk/tickets/")
    assert page.locator("#ticket-table a.ref").count() == 2

    # Typing in the search box filters the table in place (htmx) and keeps the filter in the address.
    page.fill("#id_q", "imprimante")
    page.wait_for_url(re.compile(r".*q=imprimante.*"))
    page.wait_for_function("document.querySelectorAll('#ticket-table a.ref').length === 1")
    assert page.locator("#ticket-table a.ref").inner_text() == printer.reference
    assert "csrfmiddlewaretoken" not in page.url and "client=" not in page.url  # empty filters are dropped

    page.click(f"#ticket-table a.ref:text('{printer.reference}')")
    page.wait_for_url(f"{live_server.url}/desk/tickets/{printer.reference}/")

    # A public reply.
    page.fill("#ticket-workspace textarea[name=body]", "Bonjour, je passe à 14 h.")
    page.click(".composer button[type=submit]")
    page.wait_for_selector(".tl-message:not(.tl-message--internal) >> text=Bonjour, je passe à 14 h.")
    assert page.url.endswith(f"/desk/tickets/{printer.reference}/")  # htmx swapped the workspace, no reload

    # An internal note: the composer turns into a note.
    page.check(".composer input[value=internal]")
    page.fill("#ticket-workspace textarea[name=body]", "Toner commandé chez le fournisseur.")
    page.click(".composer button[type=submit]")
    page.wait_for_selector(".tl-message--internal >> text=Toner commandé chez le fournisseur.")

    # Reassign to the technician and the group.
    page.select_option("#ticket-workspace select[name=group]", str(world.group_a.pk))
    page.select_option("#ticket-workspace select[name=assignee]", str(world.tech_a.pk))
    page.click("section:has(#assign-title) button[type=submit]")
    page.wait_for_selector(".ticket-head .status--assigned")

    # Resolving needs a resolution; an empty one is refused with a visible error.
    page.click("details.resolve summary")
    page.click("details.resolve button[type=submit]")
    page.wait_for_selector("details.resolve[open] .errorlist")
    page.fill("details.resolve textarea[name=resolution]", "Toner remplacé.")
    page.click("details.resolve button[type=submit]")
    page.wait_for_selector(".ticket-head .status--resolved")

    printer.refresh_from_db()
    assert printer.status == TicketStatus.RESOLVED and printer.assignee == world.tech_a
    assert list(Comment.objects.filter(ticket=printer).values_list("is_internal", flat=True)) == [False, True]


def test_impact_and_urgency_show_the_resulting_priority(world, live_server, page):
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Serveur")
    log_in(page, live_server, world.tech_a)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.reference}/")
    page.select_option("#ticket-workspace select[name=impact]", "1")
    page.select_option("#ticket-workspace select[name=urgency]", "1")
    assert page.locator("[data-priority-form] output").inner_text().startswith("P1")


def test_requester_opens_a_request_and_never_sees_internal_notes(world, live_server, page, tmp_path):
    screenshot = tmp_path / "ecran.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    log_in(page, live_server, world.requester_a)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.goto(f"{live_server.url}/portal/tickets/new/")
    page.check("input[name=type][value=request]")
    page.fill("input[name=title]", "Accès au dossier Compta")
    page.fill("textarea[name=description]", "Je n'arrive pas à ouvrir le partage.")
    page.set_input_files("input[name=attachments]", str(screenshot))
    page.click("form.form-card button[type=submit]")
    page.wait_for_url(re.compile(r".*/portal/tickets/REQ-\d+/$"))
    ticket = Ticket.objects.get(title="Accès au dossier Compta")
    assert ticket.requester == world.requester_a and ticket.attachments.get().filename == "ecran.png"
    assert page.locator("a:has-text('ecran.png')").count() >= 1

    services.add_comment(ticket, by=world.tech_a, body="Droits ajoutés, pouvez-vous réessayer ?")
    services.add_comment(ticket, by=world.tech_a, body="NOTE-INTERNE-SECRETE", internal=True)
    page.reload()
    assert page.locator("text=Droits ajoutés, pouvez-vous réessayer ?").count() == 1
    assert "NOTE-INTERNE-SECRETE" not in page.content()

    page.fill("textarea[name=body]", "Ça marche, merci !")
    page.click(".composer button[type=submit]")
    page.wait_for_selector(".tl-message >> text=Ça marche, merci !")


def test_language_switch_changes_the_interface(world, live_server, page):
    log_in(page, live_server, world.requester_a)
    assert page.locator("html").get_attribute("lang") == "fr"
    page.select_option("#language-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator(".topbar button.link").inner_text() == "Log out"
    assert page.locator("h1").inner_text() == "My tickets"
