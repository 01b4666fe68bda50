"""The change pages: list, form, detail actions, portal approval, calendar and its iCal feed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.changes_support import WINDOW_START, awaiting, draft, make_cab
from vigie.changes import config, feeds, services
from vigie.changes.ical import Event, fold, render
from vigie.changes.models import Change, ChangeStatus
from vigie.servicedesk import services as desk_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):  # type: ignore[no-untyped-def]
    """The pages are read in English (the source strings), whatever the installation's default."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def unfold(body: bytes) -> list[str]:
    """RFC 5545 §3.1: every line ends with CRLF, is at most 75 octets, and a continuation starts with a space."""
    assert body.endswith(b"\r\n")
    raw_lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in raw_lines)
    assert all(len(line) <= 75 for line in raw_lines), max(raw_lines, key=len)
    lines: list[str] = []
    for raw in raw_lines:
        text = raw.decode("utf-8")  # a fold never splits a UTF-8 character
        if text.startswith(" "):
            lines[-1] += text[1:]
        else:
            lines.append(text)
    return lines


def events_of(lines: list[str]) -> list[dict[str, str]]:
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
                assert required in current, required
            for moment in ("DTSTAMP", "DTSTART", "DTEND"):
                assert len(current[moment]) == 16 and current[moment].endswith("Z"), current[moment]
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return found


def test_ical_writer_folds_escapes_and_keeps_characters():
    summary = "Migration; serveur, « préparée » \\ " + "é" * 60
    body = render(
        [Event(uid="x@vigie", start=WINDOW_START, end=WINDOW_START + timedelta(hours=1), summary=summary, description="a\nb")],
        name="Test",
        now=WINDOW_START,
    )
    (event,) = events_of(unfold(body))
    assert event["SUMMARY"].startswith("Migration\\; serveur\\, « préparée » \\\\ é")
    assert event["DESCRIPTION"] == "a\\nb"
    assert event["DTSTART"] == "20310304T200000Z"
    assert fold("A" * 75) == "A" * 75 and fold("A" * 76) == "A" * 75 + "\r\n A"


def test_feed_shows_what_the_user_sees_without_a_session(client, world):
    cab = make_cab(world)
    mine = services.transition(draft(world, title="Changement du cabinet Martin"), "submit", by=world.tech_a)
    other = services.create_change(
        by=world.tech_b,
        organization=world.client_b,
        title="Secret Lefèvre",
        planned_start=WINDOW_START,
        planned_end=WINDOW_START + timedelta(hours=1),
    )
    services.transition(other, "cancel", by=world.tech_b)
    config.create_freeze(
        by=cab.cm1, organization=world.provider, name="Fêtes", starts_at=WINDOW_START, ends_at=WINDOW_START + timedelta(days=2)
    )
    url = feeds.feed_path(world.tech_a)
    response = client.get(url)  # no login
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = events_of(unfold(response.content))
    summaries = [event["SUMMARY"] for event in events]
    assert any(mine.reference in s for s in summaries) and any("Fêtes" in s for s in summaries)
    assert not any("Lefèvre" in s for s in summaries)
    assert len({event["UID"] for event in events}) == len(events)
    assert next(e for e in events if mine.reference in e["SUMMARY"])["STATUS"] == "TENTATIVE"
    # Secrecy: a tampered token, another user's id under this signature, and the old URL after rotation are 404.
    token = url.split("/")[-1].removesuffix(".ics")
    assert client.get(url.replace(token, token[:-2] + "xx")).status_code == 404
    feeds.rotate(world.tech_a)
    assert client.get(url).status_code == 404
    assert client.get(feeds.feed_path(world.tech_a)).status_code == 200
    world.tech_a.is_active = False
    world.tech_a.save()
    assert client.get(feeds.feed_path(world.tech_a)).status_code == 404


def test_list_form_and_detail(login, world):
    make_cab(world)
    client = login(world.tech_a)
    assert client.get(reverse("changes:change_list")).status_code == 200
    page = client.get(reverse("changes:change_create"), {"organization": world.client_a.pk})
    assert page.status_code == 200
    data = {
        "title": "Nouveau NAS",
        "type": "normal",
        "client_approval": "auto",
        "planned_start": "2031-05-02T20:00",
        "planned_end": "2031-05-02T19:00",
    }
    refused = client.post(reverse("changes:change_create") + f"?organization={world.client_a.pk}", data)
    assert refused.status_code == 422 and "The window must end after it starts." in refused.content.decode()
    data["planned_end"] = "2031-05-02T23:00"
    created = client.post(reverse("changes:change_create") + f"?organization={world.client_a.pk}", data)
    change = Change.objects.get(title="Nouveau NAS")
    assert created.status_code == 302 and created["Location"] == reverse("changes:change_detail", args=[change.pk])
    detail = client.get(reverse("changes:change_detail", args=[change.pk])).content.decode()
    assert change.reference in detail and 'value="submit"' in detail
    refused = client.post(reverse("changes:change_action", args=[change.pk]), {"action": "submit"})
    assert refused.status_code == 422 and "backed out" in refused.content.decode()
    assert (
        client.get(reverse("changes:change_list"), {"status": "draft", "risk": ""}).content.decode().count(change.reference) == 1
    )


def test_ui_decision_by_someone_without_the_right_is_an_error(login, world):
    cab = make_cab(world)
    change = awaiting(world, cab)
    response = login(world.tech_a).post(reverse("changes:change_decide", args=[change.pk]), {"decision": "approved"})
    assert response.status_code == 403 and "not an approver" in response.content.decode()
    response = login(cab.cm1).post(reverse("changes:change_decide", args=[change.pk]), {"decision": "approved"})
    assert response.status_code == 302
    assert change.approvals.get().approver == cab.cm1


def test_client_manager_approves_in_the_portal(login, world):
    cab = make_cab(world)
    change = awaiting(world, cab, services=[cab.service_a], expected_downtime_minutes=30)
    client = login(world.manager_a)
    listing = client.get(reverse("client_changes:change_list")).content.decode()
    assert change.reference in listing
    page = client.get(reverse("client_changes:change_detail", args=[change.pk])).content.decode()
    assert "Restaurer la sauvegarde" in page and "Caisse" in page and "60.00 €" in page
    refused = client.post(reverse("client_changes:change_detail", args=[change.pk]), {"decision": "rejected"})
    assert refused.status_code == 422
    done = client.post(reverse("client_changes:change_detail", args=[change.pk]), {"decision": "approved", "comment": "OK"})
    assert done.status_code == 302
    assert change.approvals.get().approver == world.manager_a
    assert change.reference not in client.get(reverse("client_changes:change_list")).content.decode().split("recent")[0]
    # Other users of the company have no approvals page.
    assert login(world.it_contact_a).get(reverse("client_changes:change_list")).status_code == 404
    assert login(world.manager_b).get(reverse("client_changes:change_detail", args=[change.pk])).status_code == 404


def test_calendar_flags_conflicts_and_freezes(login, world):
    cab = make_cab(world)
    first = services.transition(draft(world, services=[cab.service_a]), "submit", by=world.tech_a)
    services.transition(draft(world, services=[cab.service_a], title="Autre"), "submit", by=world.tech_a)
    config.create_freeze(
        by=cab.cm1,
        organization=world.client_a,
        name="Inventaire",
        starts_at=WINDOW_START,
        ends_at=WINDOW_START + timedelta(hours=3),
    )
    page = login(world.tech_a).get(reverse("changes:calendar"), {"date": "2031-03-04", "view": "week"}).content.decode()
    assert first.reference in page and "Conflict" in page and "Inventaire" in page
    detail = login(world.tech_a).get(reverse("changes:change_detail", args=[first.pk])).content.decode()
    assert "Conflict with" in detail and "Inventaire" in detail


def test_ticket_page_links_a_change(login, world):
    cab = make_cab(world)
    change = awaiting(world, cab)
    ticket = desk_services.open_ticket(by=world.requester_a, organization=world.client_a, title="Caisse lente")
    client = login(world.tech_a)
    page = client.get(reverse("servicedesk:ticket_detail", args=[ticket.reference])).content.decode()
    assert "Caused by a change" in page
    response = client.post(reverse("changes:ticket_link", args=[ticket.reference]), {"change": change.reference})
    assert response.status_code == 302
    assert list(ticket.caused_by_changes.all()) == [change]
    page = client.get(reverse("servicedesk:ticket_detail", args=[ticket.reference])).content.decode()
    assert change.reference in page
    assert Change.objects.get(pk=change.pk).status == ChangeStatus.AWAITING_APPROVAL
