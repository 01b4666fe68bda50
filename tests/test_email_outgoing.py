"""Outgoing e-mail: who is notified, in which language, with which threading headers, and
delivery through a real SMTP server on loopback (retried when it is down, never twice)."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tests.mailservers import SmtpServer, free_port, running_smtp, use_smtp
from vigie.notifications import delivery, tasks
from vigie.notifications.dispatch import notifications_suppressed
from vigie.notifications.models import OutboundEmail, OutboundKind, OutboundStatus
from vigie.servicedesk import services
from vigie.servicedesk.models import TicketEmailLink

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Messages for people without a language follow the installation default; pin it, so the
    assertions on English text hold whatever the French catalog says."""
    settings.LANGUAGE_CODE = "en"


MESSAGE_ID = re.compile(r"^<ticket-INC-000001\.[0-9a-f]{16}@localhost>$")


@pytest.fixture
def smtp(settings):
    with running_smtp(settings) as server:
        yield server


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit work (notifications) of the block, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _empty_queue():
    HUEY.flush()
    yield
    HUEY.flush()


def test_new_ticket_acknowledged_in_the_requester_language_with_threading_headers(world, smtp, committed):
    world.requester_a.language = "fr"
    world.requester_a.save()
    with committed():
        ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Imprimante HS")

    [mail] = smtp.wait_for(1)
    message = mail.message
    assert mail.rcpt_tos == ["rose.requester@martin.test"]
    assert message["Subject"] == "[INC-000001] Imprimante HS"
    assert MESSAGE_ID.match(message["Message-ID"])
    assert message["In-Reply-To"] == "<ticket-INC-000001@localhost>"
    assert message["References"] == "<ticket-INC-000001@localhost>"
    assert message["Reply-To"] == "support-martin@vigie.test"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "fr"
    text = mail.text()
    assert "Statut: Nouveau" in text  # French labels from the catalog
    assert "INC-000001" in text
    assert "/portal/tickets/INC-000001/" in text  # a client user gets the portal address
    assert "<html" in mail.html() and "Nouveau" in mail.html()
    # Every Message-ID sent is part of the ticket's thread, so replies to it come back.
    assert TicketEmailLink.objects.filter(ticket=ticket, message_id=message["Message-ID"]).exists()
    email = OutboundEmail.objects.get()
    assert (email.status, email.attempts, email.kind) == (OutboundStatus.SENT, 1, OutboundKind.ACKNOWLEDGEMENT)


def test_assignment_and_replies_reach_the_right_people_in_their_language(world, smtp, committed):
    world.requester_a.language = "fr"
    world.requester_a.save()
    world.tech_a.language = "en"
    world.tech_a.save()
    with committed():
        ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="VPN")
    with committed():
        services.assign_ticket(ticket, by=world.admin, assignee=world.tech_a, group=world.group_a)
    [_ack, assigned] = smtp.wait_for(2)
    assert assigned.rcpt_tos == ["theo.tech@durand.test"]
    assert assigned.message["Content-Language"] == "en"
    assert "Ticket INC-000001 is now assigned to you." in assigned.text()
    assert "Status: Assigned" in assigned.text()
    assert "/desk/tickets/INC-000001/" in assigned.text()  # staff get the desk address

    with committed():
        services.add_comment(ticket, by=world.tech_a, body="Pouvez-vous redémarrer le poste ?")
    reply = smtp.to("rose.requester@martin.test")[-1]
    assert "Pouvez-vous redémarrer le poste ?" in reply.text()
    ack_id = smtp.to("rose.requester@martin.test")[0].message["Message-ID"]
    # The thread's root first, then the earlier messages this recipient received.
    assert reply.message["In-Reply-To"] == "<ticket-INC-000001@localhost>"
    assert reply.message["References"].split() == ["<ticket-INC-000001@localhost>", ack_id]
    assert smtp.to("theo.tech@durand.test") == [assigned]  # the author is not told about their own reply

    with committed():
        services.add_comment(ticket, by=world.requester_a, body="C'est fait, merci", channel="portal")
    assert "C'est fait, merci" in smtp.to("theo.tech@durand.test")[-1].text()

    with committed():
        services.resolve_ticket(ticket, by=world.tech_a, resolution="Poste redémarré")
    resolved = smtp.to("rose.requester@martin.test")[-1]
    assert "Poste redémarré" in resolved.text()
    assert OutboundEmail.objects.filter(kind=OutboundKind.RESOLVED, to="rose.requester@martin.test").exists()


def test_a_group_without_assignee_is_told_at_its_shared_address_or_else_its_members(world, smtp, committed):
    world.tech_a.language = "en"
    world.tech_a.save()
    with committed():
        first = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Imprimante")
    with committed():
        services.assign_ticket(first, by=world.admin, assignee=None, group=world.group_a)
    [to_member] = smtp.to(world.tech_a.email)
    assert "Ticket INC-000001 is now assigned to your group Support Lyon." in to_member.text()
    world.group_a.email = "support-lyon@durand.test"
    world.group_a.save()
    with committed():
        services.open_ticket(
            by=world.tech_a, organization=world.client_a, title="Écran", requester=world.requester_a, group=world.group_a
        )
    [new_ticket] = smtp.to("support-lyon@durand.test")
    assert "New ticket INC-000002 for Boulangerie Martin" in new_ticket.text()
    assert smtp.to(world.tech_a.email) == [to_member]  # the shared address replaces the members


def test_internal_notes_are_never_mailed_to_client_users(world, smtp, committed):
    with committed():
        ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Serveur lent")
        services.assign_ticket(ticket, by=world.admin, assignee=world.tech_a, group=world.group_a)
        services.set_watchers(ticket, by=world.tech_a, watchers=[world.it_contact_a, world.admin])
    before = len(smtp.wait_for(2))
    with committed():
        services.add_comment(ticket, by=world.tech_a, body="Le client n'a pas payé la maintenance", internal=True)
    new = smtp.wait_for(before + 1)[before:]
    assert [mail.rcpt_tos for mail in new] == [["alice.admin@durand.test"]]
    assert "Le client n'a pas payé" in new[0].text()
    for client_user in (world.requester_a, world.it_contact_a):
        assert all("pas payé" not in mail.text() for mail in smtp.to(client_user.email))
    assert not OutboundEmail.objects.filter(is_internal=True, to__in=[world.requester_a.email, world.it_contact_a.email]).exists()


def test_delivery_is_retried_after_an_smtp_failure_and_never_sent_twice(world, settings, committed):
    port = free_port()
    use_smtp(settings, "127.0.0.1", port)  # nothing listens there: the server is down
    with committed():
        services.open_ticket(by=world.requester_a, organization=world.client_a, title="Messagerie")
    email = OutboundEmail.objects.get()
    assert (email.status, email.attempts) == (OutboundStatus.QUEUED, 1)
    assert "Connection refused" in email.last_error or "Errno" in email.last_error
    retries = HUEY.scheduled()
    assert len(retries) == 1  # Huey holds the retry, a minute later

    server = SmtpServer(port=port)
    server.start()
    try:
        for task in HUEY.read_schedule(retries[0].eta):
            HUEY.execute(task, timestamp=task.eta)
        [mail] = server.wait_for(1)
        assert mail.rcpt_tos == [world.requester_a.email]
        email.refresh_from_db()
        assert (email.status, email.attempts, email.last_error) == (OutboundStatus.SENT, 2, "")
        # A late duplicate of the task (or the sweep) finds the row already claimed.
        assert delivery.deliver(email.pk) == "skipped"
        assert len(server.mails) == 1
    finally:
        server.stop()


def test_permanent_refusal_fails_at_once_and_stale_rows_are_swept(world, settings, committed):
    port = free_port()
    use_smtp(settings, "127.0.0.1", port)
    with committed():
        services.open_ticket(by=world.requester_a, organization=world.client_a, title="Messagerie")
    email = OutboundEmail.objects.get()
    OutboundEmail.objects.filter(pk=email.pk).update(attempts=delivery.MAX_ATTEMPTS - 1)
    assert delivery.deliver(email.pk) == "failed"  # the last attempt gives up
    email.refresh_from_db()
    assert email.status == OutboundStatus.FAILED and email.attempts == delivery.MAX_ATTEMPTS


def test_the_sweep_requeues_lost_rows_and_fails_interrupted_ones(world, smtp):
    def row(status, minutes_ago):
        email = OutboundEmail.objects.create(
            organization=world.client_a,
            kind=OutboundKind.REJECTION,
            to=f"{status}-{minutes_ago}@martin.test",
            subject="Sweep",
            body_text="…",
            message_id=f"<sweep-{status}-{minutes_ago}@localhost>",
            status=status,
        )
        OutboundEmail.objects.filter(pk=email.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes_ago))
        return email

    lost = row(OutboundStatus.QUEUED, 30)
    recent = row(OutboundStatus.QUEUED, 1)
    interrupted = row(OutboundStatus.SENDING, 30)
    tasks.sweep_outbound_email.call_local()
    assert [mail.rcpt_tos for mail in smtp.wait_for(1)] == [[lost.to]]
    statuses = dict(OutboundEmail.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: OutboundStatus.SENT, recent.pk: OutboundStatus.QUEUED, interrupted.pk: OutboundStatus.FAILED}


def test_history_loaded_with_past_dates_mails_nobody(world, smtp, committed):
    with committed():
        services.open_ticket(
            by=world.requester_a, organization=world.client_a, title="Ancien", created_at=timezone.now() - timedelta(days=30)
        )
    assert OutboundEmail.objects.count() == 0 and smtp.mails == []


def test_a_title_with_line_breaks_still_makes_a_one_line_subject(world, smtp, committed):
    with committed():
        services.open_ticket(by=world.requester_a, organization=world.client_a, title="Écran\r\nBcc: victim@example.test")
    [mail] = smtp.wait_for(1)
    assert mail.message["Subject"].strip() == "[INC-000001] Écran Bcc: victim@example.test"
    assert mail.rcpt_tos == [world.requester_a.email]


def test_suppressed_changes_send_nothing(world, smtp, committed):
    with notifications_suppressed(), committed():
        services.open_ticket(by=world.requester_a, organization=world.client_a, title="Données de démo")
    assert OutboundEmail.objects.count() == 0
    assert smtp.mails == []


@pytest.mark.skipif(not os.environ.get("VIGIE_REDIS_URL"), reason="needs VIGIE_REDIS_URL (the worker on Redis)")
@pytest.mark.django_db(transaction=True)
def test_delivery_round_trips_through_a_redis_worker(world, smtp):
    """The same delivery task, enqueued in Redis and run by a real Huey consumer thread."""
    from huey import RedisHuey

    huey = RedisHuey(name=f"vigie-test-{uuid.uuid4().hex}", url=os.environ["VIGIE_REDIS_URL"])

    def deliver_then_close(email_id: int) -> str:
        try:
            return tasks.deliver_email.call_local(email_id)
        finally:
            connection.close()  # the worker thread's own connection, before the test database goes

    deliver = huey.task(retries=5, retry_delay=60, name="deliver_email")(deliver_then_close)
    email = OutboundEmail.objects.create(
        organization=world.client_a,
        kind=OutboundKind.REJECTION,
        to="someone@martin.test",
        subject="Through Redis",
        body_text="Queued in Redis, sent by a worker thread.",
        message_id=f"<redis-{uuid.uuid4().hex}@localhost>",
    )
    try:
        result = deliver(email.pk)
        assert huey.pending_count() == 1  # it sits in Redis until a worker takes it
        consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False, check_worker_health=False)
        consumer._set_signal_handlers = lambda: None  # the test runner keeps its own signal handlers
        consumer.start()  # a scheduler and a worker thread that take tasks from Redis
        try:
            assert result.get(blocking=True, timeout=15) == "sent"
        finally:
            consumer.stop(graceful=True)
        [mail] = smtp.wait_for(1)
        assert mail.message["Subject"] == "Through Redis"
        email.refresh_from_db()
        assert email.status == OutboundStatus.SENT
    finally:
        huey.flush()


def test_an_administrator_can_send_failed_mail_again_from_the_admin(world, smtp, client):
    email = OutboundEmail.objects.create(
        organization=world.client_a,
        kind=OutboundKind.REJECTION,
        to="later@martin.test",
        subject="Again",
        body_text="…",
        message_id="<again@localhost>",
        status=OutboundStatus.FAILED,
        attempts=delivery.MAX_ATTEMPTS,
        last_error="SMTPServerDisconnected",
    )
    superuser = get_user_model().objects.create_superuser(email="root@durand.test", password="x" * 12)
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        "/admin/notifications/outboundemail/", {"action": "send_again", "_selected_action": [email.pk]}, follow=True
    )
    assert response.status_code == 200
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundStatus.SENT, 1)
    assert [mail.rcpt_tos for mail in smtp.wait_for(1)] == [["later@martin.test"]]
