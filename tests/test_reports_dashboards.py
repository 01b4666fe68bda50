"""Dashboards: the technician's home, the provider's view across clients, the client director's view.

The KPI figures come from ``vigie.reports.kpis``; here a stand-in answers them (so that the pages
are checked against known numbers and the filters they pass), while the lists (my queue, at
risk, breached) and the "breached now" counts come from real SLA clocks stored on real tickets.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.reports_support import FakeKpis, install_fake_kpis, kpi_report, rich_report
from vigie.reports.kpis import Compliance, DurationStats
from vigie.reports.periods import Month
from vigie.servicedesk import services
from vigie.servicedesk.models import Level, Ticket, TicketStatus
from vigie.sla.models import ClockState, TicketSla

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def fake_kpis(monkeypatch) -> FakeKpis:
    return install_fake_kpis(monkeypatch, FakeKpis())


def clock(ticket: Ticket, *, response: str = ClockState.MET, resolution: str = ClockState.RUNNING, due_in: float = 4) -> Ticket:
    """Give ``ticket`` SLA clocks as the engine stores them."""
    now = timezone.now()
    TicketSla.objects.update_or_create(
        ticket=ticket,
        defaults={
            "response_state": response,
            "resolution_state": resolution,
            "response_due_at": now + timedelta(minutes=30) if response != ClockState.MET else None,
            "resolution_due_at": now + timedelta(hours=due_in),
            "resolution_target_minutes": 480,
            "computed_at": now,
        },
    )
    return ticket


def open_for(world, title: str, *, client=None, assignee=None, group=None, urgency=Level.MEDIUM) -> Ticket:
    client = client or world.client_a
    requester = world.requester_a if client == world.client_a else world.requester_b
    ticket = services.open_ticket(by=requester, organization=client, title=title, urgency=urgency)
    if assignee is not None or group is not None:
        by = world.tech_a if client == world.client_a else world.tech_b
        ticket = services.assign_ticket(ticket, by=by, assignee=assignee, group=group)
    return ticket


# ---------------------------------------------------------------- technician


def test_staff_land_on_their_dashboard_and_client_users_on_the_portal(world, login):
    assert login(world.tech_a).get("/")["Location"] == "/reports/technician/"
    assert login(world.requester_a).get("/")["Location"] == "/portal/"


def test_technician_sees_queue_at_risk_and_breached_of_their_own_clients(world, login, fake_kpis):
    late = clock(
        open_for(world, "Serveur de caisse arrêté", assignee=world.tech_a, group=world.group_a),
        resolution=ClockState.BREACHED,
        due_in=-3,
    )
    risky = clock(
        open_for(world, "Imprimante lente", assignee=world.tech_a, group=world.group_a), resolution=ClockState.AT_RISK, due_in=1
    )
    in_group = clock(open_for(world, "Badge refusé", group=world.group_a), response=ClockState.AT_RISK)
    calm = clock(open_for(world, "Nouveau poste", assignee=world.tech_a, group=world.group_a), due_in=30)
    no_policy = open_for(world, "Question sans contrat", assignee=world.tech_a, group=world.group_a)  # no SLA clock
    other_client = clock(
        open_for(world, "Secret du cabinet Lefèvre", client=world.client_b, assignee=world.tech_b, group=world.group_b),
        resolution=ClockState.BREACHED,
        due_in=-1,
    )
    services.change_status(calm, TicketStatus.WAITING_THIRD_PARTY, by=world.tech_a)

    response = login(world.tech_a).get("/reports/technician/")
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert [t.reference for t in dashboard.breached.tickets] == [late.reference]
    # At risk: mine, and my group's unassigned ticket whose answer is at risk; never one already late.
    assert {t.reference for t in dashboard.at_risk.tickets} == {risky.reference, in_group.reference}
    # My queue: my open tickets, the closest resolution due date first, those without a clock last.
    assert [t.reference for t in dashboard.queue.tickets] == [
        late.reference,
        risky.reference,
        calm.reference,
        no_policy.reference,
    ]
    counts = {state.status: state.count for state in dashboard.states}
    assert counts[TicketStatus.ASSIGNED] == 3 and counts[TicketStatus.WAITING_THIRD_PARTY] == 1
    assert dashboard.open_count == 4
    assert dashboard.unassigned_in_groups == 1
    html = response.content.decode()
    assert f'href="/desk/tickets/{late.reference}/"' in html
    assert "3 h late" in html or "2 h 59 min late" in html  # the breached ticket's resolution was due 3 hours ago
    assert other_client.title not in html
    # The month's own figures are asked for this technician only, from the 1st of the month.
    [month_filter] = fake_kpis.calls
    assert month_filter.assignee_id == world.tech_a.pk
    assert month_filter.start == Month.current().start


def test_technician_dashboard_query_count_does_not_grow_with_tickets(world, login, fake_kpis):
    client = login(world.tech_a)
    for index in range(3):
        clock(
            open_for(world, f"Panne {index}", assignee=world.tech_a, group=world.group_a),
            resolution=ClockState.BREACHED,
            due_in=-1,
        )
    client.get("/reports/technician/")  # warm up the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/reports/technician/").status_code == 200
    for index in range(12):
        clock(open_for(world, f"Autre panne {index}", assignee=world.tech_a, group=world.group_a), resolution=ClockState.AT_RISK)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/reports/technician/").status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 14, [query["sql"] for query in many.captured_queries]


def test_client_users_have_no_staff_dashboards(world, login):
    for user in (world.requester_a, world.manager_a, world.it_contact_a):
        client = login(user)
        assert client.get("/reports/technician/").status_code == 404
        assert client.get("/reports/provider/").status_code == 404


# ---------------------------------------------------------------- provider


def test_provider_view_shows_each_served_client_with_totals(world, login, fake_kpis):
    a, b = frozenset({world.client_a.pk}), frozenset({world.client_b.pk})
    fake_kpis.reports[a] = kpi_report(
        opened=21,
        backlog=7,
        resolution_compliance=Compliance(18, 20),
        response_compliance=Compliance(20, 20),
        mttr_business=DurationStats(20, 5 * 3600, None, None),
        csat=Compliance(9, 10),
    )
    fake_kpis.reports[b] = kpi_report(opened=5, backlog=2, resolution_compliance=Compliance(3, 5))
    clock(open_for(world, "En retard", assignee=world.tech_a, group=world.group_a), resolution=ClockState.BREACHED, due_in=-2)
    clock(open_for(world, "En retard aussi", group=world.group_a), response=ClockState.BREACHED)

    response = login(world.admin).get("/reports/provider/")
    assert response.status_code == 200
    rows = {row.organization.slug: row for row in response.context["dashboard"].rows}
    assert set(rows) == {"martin", "lefevre"}
    assert (rows["martin"].breached_now, rows["lefevre"].breached_now) == (2, 0)
    html = response.content.decode()
    assert "Boulangerie Martin" in html and "Cabinet Lefèvre" in html
    assert "90.0 %" in html  # client A: 18 of 20 resolved within the SLA
    assert "84.0 %" in html  # all clients: 21 of 25
    assert "5 h" in html  # client A's MTTR
    assert "60.0 %" in html  # client B
    last = str(Month.last())
    assert f'href="/reports/reviews/martin/{last}/"' in html and f'href="/reports/reviews/martin/{last}/pdf/"' in html
    assert '<svg class="chart chart--bars"' in html and "<title" in html
    # One figure set per client, for this month so far; the total line adds them up.
    assert {call.organization_ids for call in fake_kpis.calls} == {a, b}
    total = response.context["dashboard"].total
    assert (total.opened, total.backlog, total.resolution_compliance) == (26, 9, Compliance(21, 25))
    assert all(call.start == Month.current().start for call in fake_kpis.calls)


def test_provider_view_only_counts_the_clients_a_technician_serves(world, login, fake_kpis):
    clock(
        open_for(world, "Secret du cabinet Lefèvre", client=world.client_b, group=world.group_b), resolution=ClockState.BREACHED
    )
    response = login(world.tech_a).get("/reports/provider/")
    html = response.content.decode()
    assert "Boulangerie Martin" in html
    assert "Cabinet Lefèvre" not in html and "lefevre" not in html
    assert {call.organization_ids for call in fake_kpis.calls} == {frozenset({world.client_a.pk})}
    assert response.context["dashboard"].breached_now == 0
    # Asking for the other client by name narrows nothing open: the choice is not offered.
    response = login(world.tech_a).get("/reports/provider/", {"client": "lefevre"})
    assert "Cabinet Lefèvre" not in response.content.decode()
    assert response.context["form"].errors["client"]
    assert {call.organization_ids for call in fake_kpis.calls} == {frozenset({world.client_a.pk})}


def test_provider_filters_reach_the_figures(world, login, fake_kpis):
    critical = open_for(world, "Caisse HS", assignee=world.tech_a, group=world.group_a, urgency=Level.HIGH)
    clock(critical, resolution=ClockState.BREACHED)
    clock(
        open_for(world, "Souris", assignee=world.tech_a, group=world.group_a, urgency=Level.LOW), resolution=ClockState.BREACHED
    )
    query = {
        "period": "last_month",
        "client": "martin",
        "group": world.group_a.pk,
        "technician": world.tech_a.pk,
        "priority": critical.priority,
    }
    response = login(world.admin).get("/reports/provider/", query)
    assert response.status_code == 200
    row_filter = fake_kpis.calls[0]
    assert row_filter.organization_ids == frozenset({world.client_a.pk})
    assert (row_filter.group_id, row_filter.assignee_id, row_filter.priority) == (
        world.group_a.pk,
        world.tech_a.pk,
        critical.priority,
    )
    assert (row_filter.start, row_filter.end) == (Month.last().start, Month.current().start)
    # "Breached now" follows the same filters: only the critical one.
    assert response.context["dashboard"].breached_now == 1
    assert [row.organization.slug for row in response.context["dashboard"].rows] == ["martin"]


def test_provider_filters_answer_an_htmx_fragment_and_report_a_bad_value(world, login, fake_kpis):
    client = login(world.admin)
    fragment = client.get("/reports/provider/", {"priority": "9"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="provider-figures")
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert html.lstrip().startswith('<div id="provider-figures"') and "<html" not in html
    page = client.get("/reports/provider/", {"priority": "9", "period": "last_3_months"})
    assert page.context["form"].errors["priority"]
    assert 'role="alert"' in page.content.decode()
    # The valid filter still applies.
    assert fake_kpis.calls[-1].start == Month.current().previous().previous().start


def test_provider_view_query_count_is_bounded(world, login, fake_kpis):
    from vigie.tenancy.models import Organization

    client = login(world.admin)
    client.get("/reports/provider/")
    with CaptureQueriesContext(connection) as two:
        client.get("/reports/provider/")
    for index in range(5):
        Organization.objects.create(name=f"Client {index}", slug=f"client-{index}")
    with CaptureQueriesContext(connection) as seven:
        response = client.get("/reports/provider/")
    assert len(response.context["dashboard"].rows) == 7
    # Our own queries do not grow with the number of clients (the figures are the KPI module's).
    assert len(seven) == len(two) <= 16


# ---------------------------------------------------------------- client director


def test_client_manager_reads_the_company_dashboard(world, login, monkeypatch):
    fake = install_fake_kpis(monkeypatch, FakeKpis(default=lambda f: rich_report(f)))
    clock(open_for(world, "En retard", group=world.group_a), resolution=ClockState.BREACHED)
    client = login(world.manager_a)
    assert client.get("/portal/reports/")["Location"] == "/portal/reports/martin/"
    response = client.get("/portal/reports/martin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Boulangerie Martin" in html
    assert ">47<" in html and ">13<" in html  # opened, open now
    assert "88.6 %" in html  # 39 of 44 resolved within the SLA
    assert "Caisse enregistreuse" in html and "99.80 %" in html  # availability: 1 h 30 of outage in 31 days
    assert html.count('<svg class="chart') == 3 and 'role="img"' in html
    assert response.context["dashboard"].breached_now == 1
    assert {f.organization_ids for f in fake.calls} == {frozenset({world.client_a.pk})}
    assert fake.trend_calls and fake.trend_calls[0].organization_ids == frozenset({world.client_a.pk})
    # The review picker leads to last month's review.
    assert client.get("/portal/reports/martin/reviews/", {"month": str(Month.last())})["Location"].endswith(
        f"/portal/reports/martin/reviews/{Month.last()}/"
    )
    assert client.get("/portal/reports/martin/reviews/", {"format": "pdf"})["Location"].endswith(f"/reviews/{Month.last()}/pdf/")


def test_client_dashboard_is_for_the_company_wide_roles_of_that_company(world, login, fake_kpis):
    assert login(world.it_contact_a).get("/portal/reports/martin/").status_code == 200
    assert login(world.tech_a).get("/portal/reports/martin/").status_code == 200  # staff serving the client
    for user in (world.requester_a, world.manager_b, world.tech_b):
        assert login(user).get("/portal/reports/martin/").status_code == 404, user
    assert login(world.requester_a).get("/portal/reports/").status_code == 404
    assert login(world.manager_a).get("/portal/reports/lefevre/").status_code == 404
    assert login(world.manager_a).post("/portal/reports/martin/").status_code == 405


def test_navigation_links_to_the_dashboards(world, login, fake_kpis):
    staff_html = login(world.tech_a).get("/desk/tickets/").content.decode()
    assert 'href="/reports/technician/"' in staff_html and 'href="/reports/provider/"' in staff_html
    assert 'href="/portal/reports/"' in login(world.manager_a).get("/portal/").content.decode()
    assert "/portal/reports/" not in login(world.requester_a).get("/portal/").content.decode()


# ---------------------------------------------------------------- with the real KPI functions


def test_dashboards_with_the_real_kpi_functions(world, login):
    """No stand-in: the figures are those of ``vigie.reports.kpis`` over real tickets."""
    first = open_for(world, "Imprimante", assignee=world.tech_a, group=world.group_a)
    open_for(world, "Écran", group=world.group_a)
    open_for(world, "Secret du cabinet Lefèvre", client=world.client_b, group=world.group_b)
    services.resolve_ticket(first, by=world.tech_a, resolution="Bourrage retiré")

    provider = login(world.admin).get("/reports/provider/")
    rows = {row.organization.slug: row.report for row in provider.context["dashboard"].rows}
    assert (rows["martin"].opened, rows["martin"].resolved, rows["martin"].backlog) == (2, 1, 1)
    assert (rows["lefevre"].opened, rows["lefevre"].backlog) == (1, 1)
    total = provider.context["dashboard"].total
    assert (total.opened, total.backlog) == (3, 2)

    served = login(world.tech_a).get("/reports/provider/")
    assert [row.organization.slug for row in served.context["dashboard"].rows] == ["martin"]
    assert served.context["dashboard"].total.opened == 2  # client B's ticket is not counted for tech A

    mine = login(world.tech_a).get("/reports/technician/").context["dashboard"]
    assert mine.month.resolved == 1

    company = login(world.manager_a).get("/portal/reports/martin/")
    report = company.context["dashboard"].report
    assert (report.opened, report.resolved, report.backlog) == (2, 1, 1)
    assert company.context["dashboard"].trend[-1].opened == 2
    assert "Secret du cabinet Lefèvre" not in company.content.decode()


def test_dashboards_query_counts_with_the_real_kpi_functions(world, login):
    from vigie.tenancy.models import Organization

    for index in range(3):
        open_for(world, f"Panne {index}", assignee=world.tech_a, group=world.group_a)
    limits = {
        (world.tech_a, "/reports/technician/"): 25,
        (world.admin, "/reports/provider/"): 35,
        # The client's page holds a trend: which closed months the worker kept is one more query.
        (world.manager_a, "/portal/reports/martin/"): 23,
    }
    for (user, url), limit in limits.items():
        client = login(user)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) <= limit, (url, len(queries))
    client = login(world.admin)
    with CaptureQueriesContext(connection) as two_clients:
        client.get("/reports/provider/")
    for index in range(5):
        Organization.objects.create(name=f"Client {index}", slug=f"client-{index}")
    with CaptureQueriesContext(connection) as seven_clients:
        response = client.get("/reports/provider/")
    assert len(response.context["dashboard"].rows) == 7
    assert len(seven_clients) == len(two_clients)  # one set of grouped queries, whatever the number of clients
