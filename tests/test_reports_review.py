"""The monthly service review: its content in English and French, the causes read from the
timelines, the PDF (rendered without network), the API, and who may read it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import translation

from tests.reports_support import JANUARY, FakeKpis, at, install_fake_kpis, january_of_client_a, rich_report
from tests.test_api_support import api_as
from vigie.reports import causes, documents
from vigie.reports.kpis import KpiFilter
from vigie.reports.pdf import document_text, render_document, static_files_only, static_path
from vigie.reports.periods import Month
from vigie.reports.review import build_review
from vigie.servicedesk.models import Priority, SatisfactionSurvey, TicketEvent

pytestmark = pytest.mark.django_db

STAFF_URL = "/reports/reviews/martin/2025-01/"
PORTAL_URL = "/portal/reports/martin/reviews/2025-01/"


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def fake(monkeypatch, world) -> FakeKpis:
    return install_fake_kpis(monkeypatch, FakeKpis(default=lambda f: rich_report(f, organization_id=world.client_a.pk)))


@pytest.fixture
def january(world):
    return january_of_client_a(world)


# ---------------------------------------------------------------- content


def test_review_page_in_english_has_every_section(world, login, fake, january):
    response = login(world.admin).get(STAFF_URL, {"language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Boulangerie Martin" in html and "January 2025" in html
    # SLA compliance by priority, response and resolution.
    assert "P1 – Critical" in html and "P3 – Moderate" in html
    assert "39 of 44 (88.6 %)" in html and "43 of 45 (95.6 %)" in html and "1 of 2 (50.0 %)" in html
    # MTTR trend over 12 months, as a chart and a table.
    assert html.count("chart--line") == 1 and "February 2024" in html and "3 h 20 min" in html
    # Volumes by type, channel and category; the top recurring categories.
    assert "Service request" in html and "Incident" in html and "E-mail" in html and "Portal" in html
    assert "Matériel › Imprimantes" in html and "No category" in html
    # Satisfaction with the comments of the month.
    assert "85 %" in html and "4.3 / 5" in html
    assert "Trop long, mais merci à Théo" in html
    # Breached tickets with the causes their timelines show.
    printer, night = january.printer.reference, january.night.reference
    assert f'href="/desk/tickets/{printer}/"' in html and f'href="/desk/tickets/{night}/"' in html
    assert "Waited 2 d 2 h for a third party" in html
    assert "Passed 1 time between teams or technicians." in html
    assert "Priority raised from P3 to P1 on 01/08/2025 noon" in html
    assert "Opened outside business hours (01/11/2025 10 p.m.)" in html
    assert "Waited 3 d 13 h before a technician took it." in html  # Saturday 22:00 → Wednesday 11:00
    # Open actions: the open P1.
    assert january.till.reference in html and "Caisse enregistreuse bloquée" in html
    # Availability of the services.
    assert "Caisse enregistreuse" in html and "99.80 %" in html
    # The figures asked for: the month, the 3 months before (recurrence), and the 12-month trend.
    scope = frozenset({world.client_a.pk})
    assert KpiFilter(JANUARY.start, JANUARY.end, scope) in fake.calls
    assert KpiFilter(Month(2024, 10).start, JANUARY.start, scope) in fake.calls
    assert fake.trend_calls == [KpiFilter(JANUARY.start, JANUARY.end, scope)]


def test_review_in_french_by_default_for_a_french_client_manager(world, login, fake, january):
    world.manager_a.language = "fr"
    world.manager_a.save()
    response = login(world.manager_a).get(PORTAL_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="fr"' in html
    assert "janvier 2025" in html.lower()
    assert "88,6" in html and "88.6" not in html  # French decimal comma
    assert "P1 – Critique" in html and "Demande de service" in html and "Portail" in html
    assert f'href="/portal/tickets/{january.printer.reference}/"' in html  # the portal's own ticket page
    # Staff read the pack in the language of the client's manager unless they ask for another one.
    assert login(world.admin).get(STAFF_URL).context["review_language"] == "fr"
    english = login(world.admin).get(STAFF_URL, {"language": "en"})
    assert "January 2025" in english.content.decode() and english.context["review_language"] == "en"


def test_comments_and_breaches_of_other_months_and_clients_stay_out(world, login, fake, january):
    SatisfactionSurvey.objects.create(
        ticket=january.night,
        email="x@martin.test",
        sent_at=at("2025-02-01 10:00"),
        expires_at=at("2025-02-15 10:00"),
        rating=5,
        comment="Commentaire de février",
        answered_at=at("2025-02-02 10:00"),
    )
    with translation.override("en"):
        review = build_review(world.admin, world.client_a, JANUARY)
        december = build_review(world.admin, world.client_a, Month(2024, 12))
    assert [c.comment for c in review.comments] == ["Trop long, mais merci à Théo"]
    assert {row.ticket.reference for row in review.breached} == {january.printer.reference, january.night.reference}
    assert review.breached_total == 2
    assert december.comments == [] and december.breached == []
    with translation.override("en"):
        other = build_review(world.admin, world.client_b, JANUARY)
    assert other.comments == [] and other.breached == [] and other.open_high_priority == []


# ---------------------------------------------------------------- causes


def test_time_in_statuses_replays_the_status_history(world, january):
    events = list(TicketEvent.objects.filter(ticket=january.printer).order_by("at", "pk"))
    spent = causes.time_in_statuses(january.printer, events, january.printer.resolved_at)
    assert spent["waiting_third_party"] == (2 * 24 + 2) * 3600
    assert spent["in_progress"] == (24 + 5) * 3600
    assert spent["new"] == 0


def test_an_opening_on_a_public_holiday_is_outside_business_hours():
    from vigie.servicedesk.models import Ticket
    from vigie.sla.calendars import CalendarSpec

    office = CalendarSpec.build(ranges=[(day, time(9), time(18)) for day in range(5)], holiday_country="FR")
    labour_day = Ticket(created_at=at("2025-05-01 10:00"), resolved_at=at("2025-05-02 18:00"), assignee_id=1)
    next_day = Ticket(created_at=at("2025-05-02 10:00"), resolved_at=at("2025-05-02 18:00"), assignee_id=1)
    with translation.override("en"):
        assert any("outside business hours" in f for f in causes.breach_causes(labour_day, [], None, calendar=office))
        assert not any("outside business hours" in f for f in causes.breach_causes(next_day, [], None, calendar=office))
        around_the_clock = CalendarSpec.build(is_24x7=True)
        assert not any("outside" in f for f in causes.breach_causes(labour_day, [], None, calendar=around_the_clock))


def test_a_breach_with_nothing_unusual_says_so(world):
    from vigie.servicedesk import services

    ticket = services.open_ticket(
        by=world.tech_a, organization=world.client_a, title="Poste lent", requester=world.requester_a, assignee=world.tech_a
    )
    with translation.override("en"):
        findings = causes.breach_causes(ticket, [], None)
    assert findings == ["No wait, reassignment or priority change on record: the work itself took longer than the target."]


def test_reopenings_and_a_late_first_answer_are_told(world):
    from vigie.servicedesk import services
    from vigie.sla.models import TicketSla

    ticket = services.open_ticket(
        by=world.tech_a, organization=world.client_a, title="Messagerie", requester=world.requester_a, assignee=world.tech_a
    )
    ticket.reopen_count = 2
    ticket.first_response_at = ticket.created_at + timedelta(hours=3)
    sla = TicketSla(ticket=ticket, response_met=False, response_target_minutes=60)
    with translation.override("en"):
        findings = causes.breach_causes(ticket, [], sla)
    assert findings == [
        "Reopened 2 times after a resolution that did not hold.",
        "First answer 3 h after the ticket was opened (target: 1 h of business time).",
    ]


# ---------------------------------------------------------------- PDF


def rightmost_edge(box) -> float:
    edge = box.position_x + box.margin_width() if hasattr(box, "margin_width") else 0.0
    for child in getattr(box, "children", ()) or ():
        edge = max(edge, rightmost_edge(child))
    return edge


def test_review_pdf_is_a_pdf_with_the_client_and_its_figures(world, login, fake, january):
    response = login(world.manager_a).get(PORTAL_URL + "pdf/", {"language": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="service-review-martin-2025-01.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert b"%%EOF" in response.content[-1024:]
    # What is written on the pages (read from WeasyPrint's layout, as no PDF reader is installed).
    with translation.override("en"):
        review = build_review(world.manager_a, world.client_a, JANUARY)
        document = render_document(documents.print_html(review))
    text = document_text(document)
    assert "Boulangerie Martin" in text and "January 2025" in text
    assert january.printer.reference in text and "Waited 2 d 2 h for a third party" in text
    assert "39 of 44 (88.6 %)" in text
    assert 2 <= len(document.pages) <= 8
    # A4 pages, and nothing runs off their right edge.
    for page in document.pages:
        assert page.width == pytest.approx(793.7, abs=1)  # 210 mm in CSS pixels
        assert rightmost_edge(page._page_box) <= page.width


def test_pdf_is_also_offered_to_staff_in_french(world, login, fake, january):
    response = login(world.tech_a).get(STAFF_URL + "pdf/", {"language": "fr"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].endswith('-martin-2025-01.pdf"')


def test_pdf_fetches_only_local_static_files(world, settings):
    assert static_path("https://vigie.invalid/static/vigie/app.css") is not None
    for url in (
        "http://192.0.2.1/logo.png",
        "https://vigie.invalid/media/attachments/1/secret",
        "https://vigie.invalid/static/../settings.py",
        "file:///etc/passwd",
        "https://example.com/static/vigie/app.css",
    ):
        assert static_path(url) is None, url
        with pytest.raises(ValueError, match="Refused"):
            static_files_only().fetch(url)
    served = static_files_only().fetch("https://vigie.invalid/static/vigie/reports.css")
    assert b".tiles" in served.read() and served.content_type == "text/css"
    # A document that names an outside image is still laid out at once, without it.
    started = datetime.now()
    html = '<link rel="stylesheet" href="/static/vigie/app.css"><img src="http://192.0.2.1/logo.png"><p>Bonjour</p>'
    assert "Bonjour" in document_text(render_document(html))
    assert (datetime.now() - started).total_seconds() < 10


# ---------------------------------------------------------------- who may read it


def test_reviews_are_404_outside_the_company(world, login, fake, january):
    for user in (world.manager_b, world.requester_a, world.requester_a2):
        client = login(user)
        assert client.get(PORTAL_URL).status_code == 404, user
        assert client.get(PORTAL_URL + "pdf/").status_code == 404, user
    for user in (world.tech_b, world.manager_a, world.it_contact_a):
        client = login(user)
        assert client.get(STAFF_URL).status_code == 404, user
        assert client.get(STAFF_URL + "pdf/").status_code == 404, user
    assert login(world.it_contact_a).get(PORTAL_URL).status_code == 200
    assert login(world.tech_a).get(STAFF_URL).status_code == 200
    assert fake.calls and all(call.organization_ids == frozenset({world.client_a.pk}) for call in fake.calls)


def test_a_month_to_come_or_not_a_month_is_404(world, login, fake):
    client = login(world.admin)
    coming = Month.current().next()
    assert client.get(f"/reports/reviews/martin/{coming}/").status_code == 404
    assert client.get("/reports/reviews/martin/2025-13/").status_code == 404
    assert client.get("/reports/reviews/martin/janvier/").status_code == 404
    assert client.post(STAFF_URL).status_code == 405
    # The picker never leads to a month to come.
    assert client.get("/reports/reviews/martin/", {"month": str(coming)})["Location"].endswith(f"/{Month.last()}/")


# ---------------------------------------------------------------- API


def test_api_review_gives_the_same_figures_as_json(world, fake, january):
    response = api_as(world.manager_a).get("/api/v1/reviews/martin/2025-01/", {"language": "en"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["organization"]["slug"] == "martin" and data["month"] == "2025-01" and data["language"] == "en"
    assert data["start"].startswith("2025-01-01T00:00:00") and data["end"].startswith("2025-02-01T00:00:00")
    assert data["sla"]["resolution"] == {"met": 39, "total": 44, "rate": pytest.approx(39 / 44)}
    assert data["sla"]["by_priority"][0] == {
        "priority": 1,
        "name": "P1 – Critical",
        "response": {"met": 2, "total": 2, "rate": 1.0},
        "resolution": {"met": 1, "total": 2, "rate": 0.5},
    }
    assert data["mttr"]["business"]["mean"] == 3 * 3600 + 20 * 60
    assert len(data["trend"]) == 12 and data["trend"][-1]["month"] == "2025-01" and data["trend"][0]["month"] == "2024-02"
    assert (
        data["volumes"]["opened"] == 47
        and {"key": "request", "name": "Service request", "count": 16} in data["volumes"]["by_type"]
    )
    assert data["top_categories"][0] == {
        "name": "Matériel › Imprimantes",
        "count": 12,
        "share": pytest.approx(12 / 47),
        "previous_months": 12,
    }
    assert data["satisfaction"]["comments"][0]["comment"] == "Trop long, mais merci à Théo"
    assert data["satisfaction"]["mean_rating"] == 4.35
    breached = {row["reference"]: row for row in data["breached_tickets"]}
    assert breached[january.printer.reference]["missed"] == ["resolution"]
    assert any("third party" in cause for cause in breached[january.printer.reference]["causes"])
    assert [row["reference"] for row in data["open_actions"]["high_priority"]] == [january.till.reference]
    assert data["open_actions"]["high_priority"][0]["priority"] == Priority.P1
    assert data["availability"][0]["service"] == "Caisse enregistreuse"
    assert data["pdf"] == "/api/v1/reviews/martin/2025-01/pdf/?language=en"
    french = api_as(world.manager_a).get("/api/v1/reviews/martin/2025-01/", {"language": "fr"}).json()
    assert french["sla"]["by_priority"][0]["name"] == "P1 – Critique"


def test_api_review_pdf_and_errors(world, fake, january):
    client = api_as(world.it_contact_a)
    pdf = client.get("/api/v1/reviews/martin/2025-01/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    invalid = client.get("/api/v1/reviews/martin/2025-13/")
    assert invalid.status_code == 400 and invalid.json()["error"]["fields"]["month"]
    coming = client.get(f"/api/v1/reviews/martin/{Month.current().next()}/")
    assert coming.status_code == 400 and coming.json()["error"]["fields"]["month"]
    language = client.get("/api/v1/reviews/martin/2025-01/", {"language": "de"})
    assert language.status_code == 400 and language.json()["error"]["fields"]["language"]
    for user in (world.manager_b, world.requester_a, world.tech_b):
        for url in ("/api/v1/reviews/martin/2025-01/", "/api/v1/reviews/martin/2025-01/pdf/", "/api/v1/reviews/martin/2025-13/"):
            response = api_as(user).get(url)
            assert response.status_code == 404, (user, url)
            assert response.json()["error"]["status"] == 404
    assert api_as(world.admin).post("/api/v1/reviews/martin/2025-01/", {}, format="json").status_code == 405


def test_api_schema_documents_the_review(tmp_path):
    import yaml

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]
    review = paths["/api/v1/reviews/{organization_slug}/{month}/"]["get"]
    assert review["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Review"
    assert {"404", "401"} <= set(review["responses"])
    assert "application/pdf" in paths["/api/v1/reviews/{organization_slug}/{month}/pdf/"]["get"]["responses"]["200"]["content"]


# ---------------------------------------------------------------- with the real KPI functions


def test_end_to_end_review_with_the_real_kpi_functions(world, login, january):
    """No stand-in: the review reads ``vigie.reports.kpis.compute`` and ``monthly_trend`` themselves.

    (This test needs the KPI implementation of issue #3; it fails until that is merged.)
    """
    data = api_as(world.manager_a).get("/api/v1/reviews/martin/2025-01/", {"language": "en"}).json()
    assert data["volumes"]["opened"] == 3  # the printer, the Saturday night VPN, the till
    assert data["volumes"]["resolved"] == 2
    assert {row["key"]: row["count"] for row in data["volumes"]["by_channel"]} == {"email": 1, "portal": 2}
    assert data["sla"]["resolution"]["met"] == 0 and data["sla"]["resolution"]["total"] == 2
    assert data["satisfaction"]["csat"] == {"met": 0, "total": 1, "rate": 0.0}
    assert data["satisfaction"]["mean_rating"] == 2
    assert {row["reference"] for row in data["breached_tickets"]} == {january.printer.reference, january.night.reference}
    assert data["trend"][-1]["month"] == "2025-01" and data["trend"][-1]["opened"] == 3
    page = login(world.manager_a).get(PORTAL_URL, {"language": "en"})
    assert page.status_code == 200 and "Boulangerie Martin" in page.content.decode()
    assert login(world.manager_a).get(PORTAL_URL + "pdf/").content.startswith(b"%PDF-")
