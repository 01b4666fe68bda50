"""Issue #4's interactive pieces in Debian's Chromium: help articles suggested while an employee
types a request (htmx, after a pause) and "this solved my problem", which leaves no ticket; and
the CMDB page of an item with its relation graph and the services its failure stops."""

from __future__ import annotations

import pytest

from tests.browser.test_sla_browser import log_in
from tests.knowledge_support import article
from vigie.catalog.models import BusinessService, Criticality
from vigie.cmdb import services as cmdb_services
from vigie.knowledge.models import Deflection, Visibility
from vigie.servicedesk.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_request_suggests_an_article_that_solves_it(world, live_server, page):
    useful = article(
        world, "Réinitialiser son mot de passe Microsoft 365", "Aller sur aka.ms/sspr.", visibility=Visibility.ALL_CLIENTS
    )
    article(world, "Secret interne", "Procédure interne de mot de passe", visibility=Visibility.INTERNAL)
    log_in(page, live_server, world.requester_a)
    page.goto(f"{live_server.url}/portal/tickets/new/")
    assert page.locator(".kb-portal-suggestions li").count() == 0
    page.type("#id_title", "mot de passe oublié", delay=20)
    page.wait_for_selector(".kb-portal-suggestions li")
    panel = page.locator(".kb-portal-suggestions").inner_text()
    assert "Réinitialiser son mot de passe Microsoft 365" in panel and "Secret interne" not in panel
    page.click("text=Cela a résolu mon problème")
    page.wait_for_url(f"{live_server.url}/portal/")
    assert Deflection.objects.get().article == useful
    assert not Ticket.objects.exists()


def test_a_configuration_item_page_draws_its_graph_and_its_impact(world, live_server, page):
    service = BusinessService.objects.create(organization=world.client_a, name="Caisses", criticality=Criticality.VITAL)
    link = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="Fibre", ci_class="internet_link")
    firewall = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="Pare-feu", ci_class="network_device")
    cmdb_services.add_relation(by=world.admin, source=firewall, target=link, kind="depends_on")
    cmdb_services.add_component(by=world.admin, service=service, item=firewall)
    log_in(page, live_server, world.tech_a)
    page.goto(f"{live_server.url}/desk/cmdb/{link.pk}/")
    graph = page.locator("svg").first
    assert "Fibre" in graph.inner_html() and "Pare-feu" in graph.inner_html()
    assert "Caisses" in page.locator("body").inner_text()
    # From the graph to the item it depends on.
    page.click("a:has-text('Pare-feu')")
    page.wait_for_url(f"{live_server.url}/desk/cmdb/{firewall.pk}/")
