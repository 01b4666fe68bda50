"""Satisfaction surveys: sampling, the e-mail and its signed links (sent through a real SMTP server
on loopback and followed with the test client), one answer, one comment, expiry, withdrawal on
reopening, forged links, language, link scanners, and the tenant boundary."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from tests.conftest import World
from tests.mailservers import running_smtp
from tests.test_api_support import api_as, results
from vigie.notifications import surveys as survey_mail
from vigie.notifications.models import OutboundEmail, OutboundStatus
from vigie.servicedesk import satisfaction, services
from vigie.servicedesk.models import SatisfactionSurvey, Ticket, TicketStatus
from vigie.servicedesk.satisfaction import SurveyState

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SURVEY_LINK = re.compile(r"(?P<rating>[1-5])/5 – [^\n]+\n(?P<url>\S+/survey/\S+/)")


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _empty_queue():
    HUEY.flush()
    yield
    HUEY.flush()


@pytest.fixture
def smtp(settings):
    with running_smtp(settings) as server:
        yield server


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def open_and_work(world: World, *, title: str = "Imprimante du 2e étage HS", requester=None) -> Ticket:
    ticket = services.open_ticket(
        by=requester or world.requester_a,
        organization=world.client_a,
        title=title,
        description="Description confidentielle DESC-5521",
    )
    services.assign_ticket(ticket, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
    services.add_comment(ticket, by=world.tech_a, body="Note interne NOTE-4242", internal=True)
    return ticket


def resolve(world: World, ticket: Ticket) -> Ticket:
    return services.resolve_ticket(ticket, by=world.tech_a, resolution="Toner remplacé")


def path_of(url: str) -> str:
    return urlparse(url).path


def link(survey: SatisfactionSurvey, rating: int | None = None) -> str:
    return path_of(satisfaction.survey_url(survey, rating))


# Sampling


def test_sampling_is_a_reproducible_share_of_ticket_ids():
    ids = range(1, 3001)
    assert not any(satisfaction.is_sampled(i, 0) for i in ids)
    assert all(satisfaction.is_sampled(i, 100) for i in ids)
    for percent in (10, 30, 75):
        share = sum(satisfaction.is_sampled(i, percent) for i in ids) / len(ids)
        assert abs(share - percent / 100) < 0.03, (percent, share)
        # The same ticket always gets the same answer; a larger sample contains a smaller one.
        assert [satisfaction.is_sampled(i, percent) for i in ids] == [satisfaction.is_sampled(i, percent) for i in ids]
        assert all(satisfaction.is_sampled(i, percent + 10) for i in ids if satisfaction.is_sampled(i, percent))


def test_client_sampling_rate_decides_who_is_asked(world):
    world.client_a.satisfaction_percent = 0
    world.client_a.save()
    resolve(world, open_and_work(world))
    assert SatisfactionSurvey.objects.count() == 0

    world.client_a.satisfaction_percent = 100
    world.client_a.save()
    ticket = resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    assert (survey.ticket_id, survey.recipient, survey.email) == (ticket.pk, world.requester_a, world.requester_a.email)
    assert survey.sent_at == ticket.resolved_at
    assert survey.expires_at == ticket.resolved_at + timedelta(days=14)

    world.client_a.satisfaction_percent = 50
    world.client_a.save()
    tickets = [resolve(world, open_and_work(world, title=f"Poste {n}")) for n in range(16)]
    asked = set(SatisfactionSurvey.objects.filter(ticket__in=tickets).values_list("ticket_id", flat=True))
    expected = {t.pk for t in tickets if satisfaction.is_sampled(t.pk, 50)}
    assert asked == expected
    assert 0 < len(asked) < len(tickets), "a partial rate asks some requesters, not all"


def test_nobody_to_ask_means_no_survey(world):
    # Opened by staff without a requester; cancelled; an inactive requester.
    staff_ticket = services.open_ticket(by=world.tech_a, organization=world.client_a, title="Sans demandeur")
    resolve(world, staff_ticket)
    cancelled = open_and_work(world)
    services.cancel_ticket(cancelled, by=world.tech_a)
    ticket = open_and_work(world, requester=world.requester_a2)
    world.requester_a2.is_active = False
    world.requester_a2.save()
    resolve(world, ticket)
    assert SatisfactionSurvey.objects.count() == 0


def test_the_setting_is_parsed_and_checked(monkeypatch, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from vigie.core import config

    monkeypatch.setenv("VIGIE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VIGIE_SECRET_KEY", "x" * 60)
    monkeypatch.delenv("VIGIE_SATISFACTION_DAYS", raising=False)
    assert config.load(tmp_path).satisfaction_days == 14
    monkeypatch.setenv("VIGIE_SATISFACTION_DAYS", "30")
    assert config.load(tmp_path).satisfaction_days == 30
    for bad in ("0", "-3", "deux"):
        monkeypatch.setenv("VIGIE_SATISFACTION_DAYS", bad)
        with pytest.raises(ImproperlyConfigured, match="VIGIE_SATISFACTION_DAYS"):
            config.load(tmp_path)


def test_days_come_from_the_setting(world, settings):
    settings.VIGIE = dataclasses.replace(settings.VIGIE, satisfaction_days=3)
    ticket = resolve(world, open_and_work(world))
    assert SatisfactionSurvey.objects.get().expires_at == ticket.resolved_at + timedelta(days=3)


# The e-mail, through a real SMTP server, and its links followed


def test_survey_email_has_five_rating_links_and_a_comment_link_that_work(world, smtp, committed, client):
    with committed():
        ticket = open_and_work(world)
    with committed():
        resolve(world, ticket)
    mails = smtp.wait_for(3)
    [mail] = [m for m in mails if "Your opinion" in m.message["Subject"]]
    message = mail.message
    assert mail.rcpt_tos == [world.requester_a.email]
    assert message["Subject"].strip() == f"[{ticket.reference}] Your opinion on “Imprimante du 2e étage HS”"
    assert message["Message-ID"].startswith(f"<survey-{ticket.reference}-")
    # Threaded with the ticket's other messages, so a reply comes back to the ticket.
    assert message["In-Reply-To"] == f"<ticket-{ticket.reference}@localhost>"
    assert message["Content-Language"] == "en"
    assert message["Reply-To"] == world.client_a.support_email
    text, html = mail.text(), mail.html()
    links = {int(m["rating"]): m["url"] for m in SURVEY_LINK.finditer(text)}
    assert sorted(links) == [1, 2, 3, 4, 5]
    assert len(set(links.values())) == 5
    comment_url = re.search(r"Add a comment:\r?\n(\S+)", text)[1]  # type: ignore[index]
    for url in [*links.values(), comment_url]:
        assert url.replace("&", "&amp;") in html or url in html
    assert "Very satisfied" in text and "Very dissatisfied" in html
    assert "DESC-5521" not in text and "NOTE-4242" not in text
    email = OutboundEmail.objects.get(message_id=message["Message-ID"])
    assert (email.kind, email.status, email.event_id) == (survey_mail.SATISFACTION_KIND, OutboundStatus.SENT, None)

    survey = SatisfactionSurvey.objects.get()
    # Following "4": the page shows the rating chosen, but a GET records nothing.
    page = client.get(path_of(links[4]))
    assert page.status_code == 200
    assert re.search(rb'<input[^>]*value="4"[^>]*checked', page.content)
    assert ticket.reference.encode() in page.content and b"Imprimante du 2e \xc3\xa9tage HS" in page.content
    survey.refresh_from_db()
    assert survey.rating is None
    # One button sends it.
    sent = client.post(path_of(links[4]), {"rating": "4", "comment": ""})
    assert sent.status_code == 303 and sent["Location"] == path_of(links[4])
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (4, "")
    assert survey.answered_at is not None
    # The comment link then takes a comment.
    commented = client.post(path_of(comment_url), {"comment": "Rapide et efficace, merci !"})
    assert commented.status_code == 303
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (4, "Rapide et efficace, merci !")
    shown = client.get(path_of(comment_url))
    assert b"4/5" in shown.content and b"Rapide et efficace, merci !" in shown.content
    assert b"<textarea" not in shown.content


def test_survey_email_is_prepared_once_and_never_for_old_history(world, settings):
    ticket = resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    first = survey_mail.prepare_survey_email(survey.pk)
    assert first is not None
    assert survey_mail.prepare_survey_email(survey.pk) is None  # a retried task mails nobody twice
    assert OutboundEmail.objects.filter(ticket=ticket, kind=survey_mail.SATISFACTION_KIND).count() == 1
    # A survey of a ticket resolved long ago (imported or generated history) is never mailed.
    old = SatisfactionSurvey.objects.create(
        ticket=ticket,
        recipient=world.requester_a,
        email=world.requester_a.email,
        sent_at=ticket.resolved_at - timedelta(days=5),
        expires_at=ticket.resolved_at + timedelta(days=9),
    )
    assert survey_mail.prepare_survey_email(old.pk) is None
    assert survey_mail.prepare_survey_email(999999) is None


def test_the_demo_and_imports_mail_no_survey(world, committed):
    from vigie.notifications.dispatch import notifications_suppressed

    with notifications_suppressed(), committed():
        resolve(world, open_and_work(world))
    assert SatisfactionSurvey.objects.count() == 1
    assert OutboundEmail.objects.filter(kind=survey_mail.SATISFACTION_KIND).count() == 0


# Link scanners, CSRF, one answer, one comment


def test_link_scanners_opening_every_link_record_nothing(world, client):
    resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    for rating in (None, 1, 2, 3, 4, 5):
        for method in ("get", "head"):
            response = getattr(client, method)(link(survey, rating))
            assert response.status_code == 200
            assert response["Cache-Control"] == "no-store, private" or "no-store" in response["Cache-Control"]
            assert response["Referrer-Policy"] == "no-referrer"
    survey.refresh_from_db()
    assert (survey.rating, survey.comment, survey.answered_at) == (None, "", None)
    assert satisfaction.state_of(survey) == SurveyState.OPEN


def test_the_answer_form_is_csrf_protected(world):
    resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(link(survey, 5), {"rating": "5"}).status_code == 403
    page = browser.get(link(survey, 5))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)[1].decode()  # type: ignore[index]
    assert browser.post(link(survey, 5), {"rating": "5", "csrfmiddlewaretoken": token}).status_code == 303
    survey.refresh_from_db()
    assert survey.rating == 5


def test_the_first_answer_wins(world, client):
    resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    assert client.post(link(survey, 2), {"rating": "2"}).status_code == 303
    # Another click, another link, another rating: the first stays, and the page says it.
    assert client.post(link(survey, 5), {"rating": "5"}).status_code == 303
    page = client.get(link(survey, 5))
    survey.refresh_from_db()
    assert survey.rating == 2
    assert page.status_code == 200 and b"2/5" in page.content and b"cannot be changed" in page.content
    assert not re.search(rb'<input[^>]*value="5"[^>]*checked', page.content)


def test_a_comment_is_taken_once(world, client):
    resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    assert client.post(link(survey, 3), {"rating": "3", "comment": "Un peu long."}).status_code == 303
    again = client.post(link(survey), {"comment": "Finalement très bien"})
    assert again.status_code == 400 and b"already left a comment" in again.content
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (3, "Un peu long.")
    with pytest.raises(Exception, match="already left a comment"):
        satisfaction.answer(survey, rating=None, comment="Encore")


def test_bad_answers_are_refused(world, client):
    resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    for value in ("0", "6", "9", "abc", ""):
        response = client.post(link(survey), {"rating": value})
        assert response.status_code == 400, value
    long = client.post(link(survey), {"rating": "4", "comment": "x" * (satisfaction.MAX_COMMENT_LENGTH + 1)})
    assert long.status_code == 400
    survey.refresh_from_db()
    assert survey.rating is None
    assert client.put(link(survey)).status_code == 405


def test_forged_and_altered_links_are_404(world, client):
    resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    genuine = satisfaction.make_token(survey.pk, 5)
    payload, _sep, signature = genuine.rpartition(":")
    forged = [
        "nothing-here",
        f"{payload}:{signature[:-2]}xx",  # altered signature
        satisfaction.make_token(survey.pk, 5).replace(
            payload, signing.Signer(salt="x").sign_object([survey.pk, 1]).split(":")[0]
        ),
        signing.Signer(salt="another.purpose").sign_object([survey.pk, 5]),  # signed for something else
        signing.Signer(salt=satisfaction.TOKEN_SALT).sign_object([survey.pk, 7]),  # rating outside 1–5
        signing.Signer(salt=satisfaction.TOKEN_SALT).sign_object([survey.pk, True]),
        signing.Signer(salt=satisfaction.TOKEN_SALT).sign_object({"id": survey.pk}),
        satisfaction.make_token(999999, 5),  # no such survey
    ]
    for token in forged:
        url = reverse("satisfaction:survey", args=[token])
        assert client.get(url).status_code == 404, token
        assert client.post(url, {"rating": "5"}).status_code == 404, token
    survey.refresh_from_db()
    assert survey.rating is None


# Expiry and withdrawal


def test_an_expired_link_says_so(world, client):
    start = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
    with time_machine.travel(start, tick=False):
        resolve(world, open_and_work(world))
        answered_ticket = resolve(world, open_and_work(world, title="Autre"))
    survey = SatisfactionSurvey.objects.exclude(ticket=answered_ticket).get()
    answered = SatisfactionSurvey.objects.get(ticket=answered_ticket)
    with time_machine.travel(start + timedelta(days=13, hours=23), tick=False):
        assert client.get(link(survey, 5)).status_code == 200
        assert client.post(link(answered, 5), {"rating": "5"}).status_code == 303
    with time_machine.travel(start + timedelta(days=14, minutes=1), tick=False):
        page = client.get(link(survey, 5))
        assert page.status_code == 410 and b"no longer takes answers" in page.content
        assert b'<form method="post"' not in page.content
        assert client.post(link(survey, 5), {"rating": "5"}).status_code == 410
        # An answer given in time stays visible; the comment window closed with the survey.
        shown = client.get(link(answered))
        assert shown.status_code == 200 and b"5/5" in shown.content and b"<textarea" not in shown.content
        refused = client.post(link(answered), {"comment": "Trop tard ?"})
        assert refused.status_code == 400
    survey.refresh_from_db()
    answered.refresh_from_db()
    assert survey.rating is None and answered.comment == ""
    assert satisfaction.state_of(survey, start + timedelta(days=15)) == SurveyState.EXPIRED


def test_reopening_withdraws_the_survey_and_the_next_resolution_asks_again(world, client):
    ticket = resolve(world, open_and_work(world))
    first = SatisfactionSurvey.objects.get()
    # The requester answers the resolution e-mail: the ticket is reopened.
    services.add_comment(ticket, by=world.requester_a, body="Toujours en panne")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    first.refresh_from_db()
    assert first.withdrawn_at is not None and satisfaction.state_of(first) == SurveyState.WITHDRAWN
    page = client.get(link(first, 5))
    assert page.status_code == 410 and b"withdrawn" in page.content
    assert client.post(link(first, 5), {"rating": "5"}).status_code == 410

    resolve(world, ticket)
    second = SatisfactionSurvey.objects.exclude(pk=first.pk).get()
    assert satisfaction.state_of(second) == SurveyState.OPEN
    assert client.post(link(second, 4), {"rating": "4"}).status_code == 303
    # Closed then reopened by staff: an answered survey is kept, not withdrawn.
    services.close_ticket(ticket, by=world.tech_a)
    services.reopen_ticket(ticket, by=world.tech_a)
    second.refresh_from_db()
    assert (second.rating, second.withdrawn_at) == (4, None)
    assert list(SatisfactionSurvey.objects.answered()) == [second]


# Language


def test_page_and_email_speak_the_requester_language(world, client):
    world.requester_a.language = "fr"
    world.requester_a.save()
    resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    page = client.get(link(survey, 5), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "fr" and b'<html lang="fr">' in page.content
    assert b"Aller au contenu" in page.content
    rendered = survey_mail.render_survey(survey)
    assert rendered["language"] == "fr" and '<html lang="fr">' in rendered["body_html"]


def test_without_a_saved_language_the_browser_decides(world, client):
    resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    for language in ("fr", "en"):
        page = client.get(link(survey, 5), HTTP_ACCEPT_LANGUAGE=language)
        assert page["Content-Language"] == language
        assert f'<html lang="{language}">'.encode() in page.content


# What each side sees


def test_the_page_shows_the_reference_and_title_only(world, client):
    ticket = resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    content = client.get(link(survey, 5)).content.decode()
    assert ticket.reference in content and ticket.title in content
    for private in ("DESC-5521", "NOTE-4242", "Toner remplacé", world.client_a.name, world.tech_a.email, world.requester_a.email):
        assert private not in content, private


def test_staff_see_the_answer_on_the_ticket_and_in_the_api(world, login, client):
    ticket = resolve(world, open_and_work(world))
    survey = SatisfactionSurvey.objects.get()
    satisfaction.answer(survey, rating=2, comment="Réponse trop lente CSAT-7788")
    page = login(world.tech_a).get(reverse("servicedesk:ticket_detail", args=[ticket.reference]))
    assert page.status_code == 200
    panel = page.content.decode()
    assert 'id="satisfaction"' in panel and "2/5" in panel and "CSAT-7788" in panel

    detail = api_as(world.tech_a).get(f"/api/v1/tickets/{ticket.reference}/").json()
    assert detail["satisfaction"]["rating"] == 2
    assert detail["satisfaction"]["comment"] == "Réponse trop lente CSAT-7788"
    assert detail["satisfaction"]["state"] == "answered"
    listed = results(api_as(world.tech_a).get("/api/v1/tickets/"))
    assert [t["satisfaction"]["rating"] for t in listed if t["reference"] == ticket.reference] == [2]
    surveys = results(api_as(world.tech_a).get("/api/v1/surveys/", {"answered": "true"}))
    assert [(s["ticket"]["reference"], s["rating"], s["state"]) for s in surveys] == [(ticket.reference, 2, "answered")]
    assert "token" not in str(surveys) and "/survey/" not in str(surveys)
    assert results(api_as(world.tech_a).get("/api/v1/surveys/", {"answered": "false"})) == []
    assert len(results(api_as(world.manager_a).get("/api/v1/surveys/"))) == 1
    assert len(results(api_as(world.requester_a).get("/api/v1/surveys/"))) == 1
    assert results(api_as(world.requester_a2).get("/api/v1/surveys/")) == []


def test_other_tenants_see_no_survey(world, login):
    resolve(world, open_and_work(world))
    satisfaction.answer(SatisfactionSurvey.objects.get(), rating=1, comment="Secret de Martin SECRET-31")
    for user in (world.tech_b, world.manager_b, world.requester_b):
        response = api_as(user).get("/api/v1/surveys/")
        assert results(response) == [] and "SECRET-31" not in response.content.decode()
        assert api_as(user).get("/api/v1/surveys/", {"client": "martin"}).json()["count"] == 0


def test_administrators_set_the_sampling_rate_through_the_api(world):
    url = f"/api/v1/organizations/{world.client_a.pk}/"
    assert api_as(world.admin).patch(url, {"satisfaction_percent": 101}, format="json").status_code == 400
    response = api_as(world.admin).patch(url, {"satisfaction_percent": 25}, format="json")
    assert response.status_code == 200 and response.json()["satisfaction_percent"] == 25
    world.client_a.refresh_from_db()
    assert world.client_a.satisfaction_percent == 25
    assert api_as(world.manager_a).patch(url, {"satisfaction_percent": 0}, format="json").status_code in (403, 404)
