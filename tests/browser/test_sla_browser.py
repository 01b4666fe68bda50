"""Service levels in Debian's Chromium: the calendar editor's htmx rows and holiday preview, and
an escalation rule added to a policy, saved for real."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from vigie.sla.models import BusinessCalendar, SlaPolicy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_an_administrator_builds_a_calendar_then_a_policy(world, live_server, page):
    log_in(page, live_server, world.admin)
    page.goto(f"{live_server.url}/desk/sla/calendars/new/?organization={world.client_a.pk}")
    assert page.locator("#ranges-rows tr").count() == 10  # office hours, Monday to Friday

    # A Saturday morning, added in place by htmx: the row count follows.
    page.click("button[value=ranges]")
    page.wait_for_selector("select[name=ranges-10-weekday]")
    assert page.input_value("#id_ranges-TOTAL_FORMS") == "11"
    page.select_option("select[name=ranges-10-weekday]", "5")
    page.fill("input[name=ranges-10-start]", "09:00")
    page.fill("input[name=ranges-10-end]", "12:00")

    # Choosing Moselle shows its extra holidays, in the reader's language.
    assert page.locator(".holiday-list >> text=Vendredi saint").count() == 0
    page.select_option("#id_holiday_subdivision", "57")
    page.wait_for_selector(".holiday-list >> text=Vendredi saint")

    page.fill("#id_name", "Bureau de Metz")
    page.click(".form-actions button[type=submit]")
    page.wait_for_selector(".message--success")
    calendar = BusinessCalendar.objects.get()
    assert (calendar.name, calendar.holiday_subdivision, calendar.ranges.count()) == ("Bureau de Metz", "57", 11)
    assert calendar.ranges.filter(weekday=5).exists()

    page.goto(f"{live_server.url}/desk/sla/policies/new/?organization={world.client_a.pk}")
    page.fill("#id_name", "Contrat standard")
    page.select_option("#id_calendar", str(calendar.pk))
    page.fill("input[name=targets-0-response]", "0:15")
    page.fill("input[name=targets-0-resolution]", "4:00")
    page.click("button[value=escalations]")
    page.wait_for_selector("select[name=escalations-0-action]")
    page.fill("input[name=escalations-0-at_percent]", "75")
    page.click(".form-actions button[type=submit]")
    page.wait_for_selector(".message--success")
    policy = SlaPolicy.objects.get()
    assert list(policy.targets.values_list("priority", "response_minutes", "resolution_minutes")) == [(1, 15, 240)]
    assert list(policy.escalations.values_list("at_percent", flat=True)) == [75]
