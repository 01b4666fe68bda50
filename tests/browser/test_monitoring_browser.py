"""Supervision in Debian's Chromium: a client's health board (problems first, refreshed in place
by htmx), a check page with its latency graph, and a CI page loading its metrics graphs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.test_sla_browser import log_in
from tests.monitoring_ui_support import add_results, fire, make_check, set_state
from vigie.cmdb import services as cmdb_services
from vigie.monitoring.models import MetricSample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_health_board_then_a_check_page(world, live_server, page):
    now = timezone.now()
    calm = set_state(make_check(world, world.client_a, "dns", "DNS martin.test", target="martin.test"), "up")
    site = set_state(make_check(world, world.client_a, "http", "Site vitrine", target="https://martin.test/"), "down")
    add_results(site, now, 96, every=timedelta(minutes=15), latency=180.0, failing=2)
    fire(world.client_a, f"check:{site.pk}", "Site vitrine ne répond plus", now, check_id=site.pk)
    log_in(page, live_server, world.tech_a)
    page.goto(f"{live_server.url}/desk/monitoring/")
    page.click(f"a[href='/desk/monitoring/clients/{world.client_a.pk}/']")
    page.wait_for_url(f"{live_server.url}/desk/monitoring/clients/{world.client_a.pk}/")
    board = page.locator(f"#health-board-{world.client_a.pk}")
    text = board.inner_text()
    assert text.index("Site vitrine") < text.index("DNS martin.test")  # problems first
    assert "Site vitrine ne répond plus" in text
    assert board.get_attribute("hx-trigger") == "every 30s"
    # The board refreshes in place: a check that changes state shows without reloading the page.
    set_state(calm, "down", last_message="SERVFAIL")
    page.evaluate("window.__sameDocument = true")
    page.evaluate("(id) => htmx.trigger(document.getElementById(id), 'every 30s')", f"health-board-{world.client_a.pk}")
    page.wait_for_function(
        "(id) => document.getElementById(id).innerText.includes('SERVFAIL')", arg=f"health-board-{world.client_a.pk}"
    )
    assert page.evaluate("window.__sameDocument") is True
    # To the check page: its latency graph and uptime.
    page.click(f"#health-board-{world.client_a.pk} a[href='/desk/monitoring/checks/{site.pk}/']")
    page.wait_for_url(f"{live_server.url}/desk/monitoring/checks/{site.pk}/")
    graph = page.locator("svg.chart--line")
    assert graph.count() == 1 and graph.locator("polyline").count() >= 1
    assert "HTTP 503" in page.locator("body").inner_text()
    page.click("a.chip:has-text('7')")
    page.wait_for_url(f"{live_server.url}/desk/monitoring/checks/{site.pk}/?span=7d")
    assert page.locator("svg.chart--line").count() == 1


def test_configuration_item_page_loads_its_metrics(world, live_server, page):
    item = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="SRV-COMPTA", ci_class="server")
    now = timezone.now()
    MetricSample.objects.bulk_create(
        MetricSample(configuration_item=item, name="memory.used_percent", at=now - timedelta(minutes=5 * n), value=40 + n % 20)
        for n in range(1, 100)
    )
    log_in(page, live_server, world.tech_a)
    page.goto(f"{live_server.url}/desk/cmdb/{item.pk}/")
    page.wait_for_selector("#item-metrics svg.chart--line")
    assert "memory.used_percent" in page.locator("#item-metrics").inner_html()
