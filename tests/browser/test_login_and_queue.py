"""A technician logs in through the real login form, lands on their dashboard and finds the queue."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from vigie.servicedesk import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_technician_logs_in_and_opens_a_ticket(world, live_server, page):
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Imprimante en panne")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", world.tech_a.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/reports/technician/")  # "My work", the technician's home
    page.click('nav.mainnav a[href="/desk/tickets/"]')
    page.wait_for_url(f"{live_server.url}/desk/tickets/")
    page.click(f"text={ticket.reference}")
    assert "Imprimante en panne" in page.text_content("h1")
