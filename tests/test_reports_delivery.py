"""The monthly review e-mailed to each client's managers on the 1st, in their language, once per
client and month — through a real SMTP server on loopback — and the ``vigie review send`` command."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from huey.contrib.djhuey import HUEY

from tests.conftest import make_user
from tests.mailservers import free_port, running_smtp, use_smtp
from tests.reports_support import JANUARY, FakeKpis, at, install_fake_kpis, january_of_client_a, rich_report
from vigie.reports import delivery, tasks
from vigie.reports.models import ReviewDelivery
from vigie.tenancy.models import Organization, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _empty_queue():
    HUEY.flush()
    yield
    HUEY.flush()


@pytest.fixture
def fake(monkeypatch) -> FakeKpis:
    return install_fake_kpis(monkeypatch, FakeKpis(default=rich_report))


@pytest.fixture
def smtp(settings):
    with running_smtp(settings) as server:
        yield server


def attachment_of(mail) -> tuple[str, bytes]:
    [attachment] = list(mail.message.iter_attachments())
    return attachment.get_filename(), attachment.get_content()


def test_the_schedule_is_the_first_at_six_in_the_provider_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    naive_utc = [
        (datetime(2025, 2, 1, 5, 0), True),  # 06:00 in Paris (winter, UTC+1)
        (datetime(2025, 7, 1, 4, 0), True),  # 06:00 in Paris (summer, UTC+2)
        (datetime(2025, 7, 1, 5, 0), False),  # 07:00 in Paris
        (datetime(2025, 2, 1, 6, 0), False),
        (datetime(2025, 2, 2, 5, 0), False),
        (datetime(2025, 1, 31, 23, 0), False),  # already the 1st in Paris, but midnight
    ]
    for moment, expected in naive_utc:
        assert tasks.is_review_time(moment) is expected, moment
    assert tasks.is_review_time(datetime(2025, 3, 1, 5, 0, tzinfo=UTC))


def test_scheduled_reviews_go_to_each_client_manager_in_their_language_once(world, smtp):
    """End to end: real tickets, the real KPI functions, a real SMTP server."""
    january_of_client_a(world)
    world.manager_a.language = "fr"
    world.manager_a.save()
    second_manager = make_user("claire.direction@martin.test", world.client_a, Role.CLIENT_MANAGER, language="en")
    quiet = Organization.objects.create(name="Sans direction", slug="sans-direction")  # no client manager: nothing to send
    make_user("solo.requester@sans.test", quiet, Role.REQUESTER)

    with time_machine.travel(at("2025-02-01 06:00")):
        tasks.send_monthly_reviews()
    mails = smtp.wait_for(3)
    assert sorted(address for mail in mails for address in mail.rcpt_tos) == sorted(
        [world.manager_a.email, second_manager.email, world.manager_b.email]
    )
    [french] = smtp.to(world.manager_a.email)
    assert french.message["Content-Language"] == "fr"
    assert "Boulangerie Martin" in french.message["Subject"] and "janvier 2025" in french.message["Subject"]
    # The month's highlights: 3 tickets opened, none of the 2 resolved within the SLA (French format).
    lines = french.text().splitlines()
    assert any(line.startswith("- ") and line.endswith(": 3") for line in lines)
    assert "0,0 %" in french.text() and "0.0 %" not in french.text()
    assert "/portal/reports/martin/reviews/2025-01/" in french.text()
    filename, pdf = attachment_of(french)
    assert filename.endswith("-martin-2025-01.pdf") and pdf.startswith(b"%PDF-")
    [english] = smtp.to(second_manager.email)
    assert english.message["Content-Language"] == "en" and "January 2025" in english.message["Subject"]
    assert attachment_of(english)[1].startswith(b"%PDF-")
    [other] = smtp.to(world.manager_b.email)
    assert "Cabinet Lefèvre" in other.message["Subject"] and "Boulangerie Martin" not in other.text()
    assert other.message["Reply-To"] == "support-lefevre@vigie.test"

    sent = {row.organization.slug: row for row in ReviewDelivery.objects.all()}
    assert set(sent) == {"martin", "lefevre"}
    assert sent["martin"].month == date(2025, 1, 1)
    assert sorted(sent["martin"].recipients) == sorted([world.manager_a.email, second_manager.email])
    assert sent["martin"].language == "en,fr"

    # The schedule firing again (a second worker, a restart) sends nothing more.
    with time_machine.travel(at("2025-02-01 06:00")):
        tasks.send_monthly_reviews()
    assert len(smtp.wait_for(4, timeout=0.5)) == 3
    assert ReviewDelivery.objects.count() == 2


def test_the_review_is_built_as_the_client_manager_sees_it(world, smtp, fake):
    delivery.send_review(world.client_a, JANUARY)
    scopes = {call.organization_ids for call in fake.calls}
    assert scopes == {frozenset({world.client_a.pk})}
    assert all(call.start in (JANUARY.start, JANUARY.previous().previous().previous().start) for call in fake.calls)


def test_nothing_is_recorded_while_the_mail_server_is_down_then_it_goes_once(world, fake, settings):
    use_smtp(settings, "127.0.0.1", free_port())
    with pytest.raises(delivery.ReviewDeferred):
        delivery.send_review(world.client_a, JANUARY)
    assert not ReviewDelivery.objects.exists()
    assert tasks.send_review.retries == 5  # the worker tries again later
    with running_smtp(settings) as server:
        assert delivery.send_review(world.client_a, JANUARY).status == "sent"
        assert delivery.send_review(world.client_a, JANUARY).status == "already_sent"
        assert len(server.wait_for(1)) == 1
    assert ReviewDelivery.objects.get().recipients == [world.manager_a.email]


def test_inactive_managers_and_clients_get_nothing(world, fake, smtp):
    world.manager_b.is_active = False
    world.manager_b.save()
    world.client_a.is_active = False
    world.client_a.save()
    assert list(delivery.clients_to_review()) == []
    assert delivery.send_review(world.client_b, JANUARY).status == "no_recipient"
    assert smtp.mails == []


# ---------------------------------------------------------------- the command


def run(*arguments: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("review", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_sends_a_month_by_hand_once_unless_forced(world, fake, smtp):
    out, _err = run("send", "--month", "2025-01", "--organization", "martin")
    assert f"martin 2025-01: sent to {world.manager_a.email}" in out
    assert len(smtp.wait_for(1)) == 1
    out, _err = run("send", "--month", "2025-01", "--organization", "martin")
    assert "already sent" in out
    first = ReviewDelivery.objects.get().sent_at
    out, _err = run("send", "--month", "2025-01", "--organization", "martin", "--force")
    assert "sent to" in out and len(smtp.wait_for(2)) == 2
    assert ReviewDelivery.objects.get().sent_at > first
    # Without --organization: every client with a manager; without --month: last month.
    with time_machine.travel(at("2025-02-10 12:00")):
        out, _err = run("send")
    assert "martin 2025-01: already sent" in out and "lefevre 2025-01: sent to" in out


def test_command_refuses_bad_input_with_a_clear_message(world, fake, settings):
    with pytest.raises(CommandError, match="YYYY-MM"):
        run("send", "--month", "janvier")
    with pytest.raises(CommandError, match="has not started"):
        run("send", "--month", "2999-01")
    with pytest.raises(CommandError, match="no client company has the short name 'nulle-part'"):
        run("send", "--organization", "nulle-part")
    with pytest.raises(CommandError, match="no client company"):
        run("send", "--organization", "durand")  # the provider is not a client
    use_smtp(settings, "127.0.0.1", free_port())
    with pytest.raises(CommandError, match="1 review"):
        run("send", "--month", "2025-01", "--organization", "martin")
    assert not ReviewDelivery.objects.exists()
