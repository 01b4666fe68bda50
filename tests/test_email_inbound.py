"""Incoming e-mail: new tickets, threaded replies, loops, unknown senders, hostile or broken
messages, duplicates — and what the sender gets back, through a real SMTP server."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

import pytest
from django.contrib.auth import get_user_model
from huey.contrib.djhuey import HUEY

from tests.mailservers import make_mail, running_smtp
from vigie.notifications.models import InboundEmail, InboundStatus, OutboundEmail, OutboundKind
from vigie.servicedesk import services
from vigie.servicedesk.inbound import intake
from vigie.servicedesk.inbound.intake import process_message
from vigie.servicedesk.models import Attachment, Channel, Comment, Ticket
from vigie.tenancy.models import Membership, Role, UnknownSenderPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Messages for people without a language follow the installation default; pin it, so the
    assertions on English text hold whatever the French catalog says."""
    settings.LANGUAGE_CODE = "en"


SUPPORT_A = "Support Martin <support-martin@vigie.test>"
SUPPORT_B = "support-lefevre@vigie.test"


@pytest.fixture
def smtp(settings):
    with running_smtp(settings) as server:
        yield server


@pytest.fixture
def receive(django_capture_on_commit_callbacks):
    """Process a raw message and run what its commit triggers (acknowledgements, replies)."""

    def _receive(raw: bytes) -> intake.IntakeResult:
        with django_capture_on_commit_callbacks(execute=True):
            return process_message(raw)

    return _receive


@pytest.fixture(autouse=True)
def _empty_queue():
    HUEY.flush()
    yield
    HUEY.flush()


def test_a_message_to_the_support_address_opens_a_ticket_and_is_acknowledged(world, smtp, receive):
    raw = make_mail(sender="Rose Requester <rose.requester@martin.test>", to=SUPPORT_A, message_id="<first@client.test>")
    result = receive(raw)

    assert result.status == InboundStatus.ACCEPTED and result.reason_code == "new_ticket"
    ticket = Ticket.objects.get()
    assert result.ticket == ticket.reference
    assert (ticket.organization, ticket.requester, ticket.channel) == (world.client_a, world.requester_a, Channel.EMAIL)
    assert ticket.title == "Imprimante en panne"
    assert "ne répond plus" in ticket.description
    record = InboundEmail.objects.get()
    assert (record.status, record.ticket, record.organization, record.message_id) == (
        InboundStatus.ACCEPTED,
        ticket,
        world.client_a,
        "<first@client.test>",
    )
    assert record.raw.read() == raw  # the message is kept as received
    [ack] = smtp.wait_for(1)
    assert ack.rcpt_tos == ["rose.requester@martin.test"]
    assert ack.message["In-Reply-To"] == "<first@client.test>"  # threads under the requester's own message
    assert ack.message["Subject"].startswith(f"[{ticket.reference}]")


def test_a_reply_is_threaded_by_in_reply_to_and_its_quote_cut(world, smtp, receive):
    receive(make_mail(sender=world.requester_a.email, to=SUPPORT_A, message_id="<first@client.test>"))
    ticket = Ticket.objects.get()
    [ack] = smtp.wait_for(1)
    reply = make_mail(
        sender=world.requester_a.email,
        to=SUPPORT_A,
        subject="Re: ça marche",  # no reference: only the headers tie it to the ticket
        body=f"Merci, elle refonctionne.\n\nOn Mon, 3 Mar 2025 at 10:00, Vigie <vigie@localhost> wrote:\n> {ack.text()[:40]}\n",
        in_reply_to=ack.message["Message-ID"],
        references=f"<first@client.test> {ack.message['Message-ID']}",
    )
    result = receive(reply)

    assert (result.status, result.reason_code, result.ticket) == (InboundStatus.ACCEPTED, "reply", ticket.reference)
    assert Ticket.objects.count() == 1
    comment = Comment.objects.get()
    assert comment.body == "Merci, elle refonctionne."
    assert (comment.ticket, comment.author, comment.channel, comment.is_internal) == (
        ticket,
        world.requester_a,
        Channel.EMAIL,
        False,
    )


def test_a_reply_is_matched_by_the_reference_in_its_subject(world, receive):
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Accès VPN")
    result = receive(
        make_mail(
            sender=world.requester_a.email, to=SUPPORT_A, subject=f"RE: [{ticket.reference}] Accès VPN", body="Toujours bloqué."
        )
    )
    assert (result.reason_code, result.ticket) == ("reply", ticket.reference)
    assert ticket.comments.get().body == "Toujours bloqué."


def test_a_staff_reply_by_mail_is_public_and_reaches_the_requester(world, smtp, receive):
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Écran noir")
    receive(
        make_mail(sender=world.tech_a.email, to=SUPPORT_A, subject=f"[{ticket.reference}] Écran noir", body="Je passe à 14 h.")
    )
    comment = ticket.comments.get()
    assert (comment.author, comment.is_internal) == (world.tech_a, False)
    assert any("Je passe à 14 h." in mail.text() for mail in smtp.to(world.requester_a.email))


def test_a_message_never_lands_on_another_clients_ticket(world, receive):
    ticket_a = services.open_ticket(
        by=world.requester_a, organization=world.client_a, title="Confidentiel", message_id="<secret@martin.test>"
    )
    # Client B's requester quotes client A's reference and Message-ID, writing to client B's address.
    result = receive(
        make_mail(
            sender=world.requester_b.email,
            to=SUPPORT_B,
            subject=f"Re: [{ticket_a.reference}] Confidentiel",
            in_reply_to="<secret@martin.test>",
            body="Je tente ma chance.",
        )
    )
    assert result.reason_code == "new_ticket"
    assert ticket_a.comments.count() == 0
    assert Ticket.objects.get(reference=result.ticket).organization == world.client_b
    # And writing to client A's address from client B's account is refused.
    refused = receive(
        make_mail(sender=world.requester_b.email, to=SUPPORT_A, subject=f"Re: [{ticket_a.reference}]", body="Et là ?")
    )
    assert (refused.status, refused.reason_code) == (InboundStatus.REJECTED, "not_member")
    assert ticket_a.comments.count() == 0


@pytest.mark.parametrize(
    ("headers", "sender", "code"),
    [
        ({"Auto-Submitted": "auto-replied"}, "rose.requester@martin.test", "auto_submitted"),
        ({"Precedence": "bulk"}, "rose.requester@martin.test", "bulk"),
        ({"X-Autoreply": "yes"}, "rose.requester@martin.test", "auto_reply"),
        ({"X-Auto-Response-Suppress": "All"}, "rose.requester@martin.test", "auto_reply"),
        ({}, "MAILER-DAEMON@mx.martin.test", "bounce"),
        ({}, "vigie@localhost", "loop"),
        ({}, "support-lefevre@vigie.test", "loop"),
    ],
)
def test_auto_replies_bounces_and_loops_never_open_tickets(world, smtp, receive, headers, sender, code):
    result = receive(make_mail(sender=sender, to=SUPPORT_A, subject="Absence du bureau", headers=headers))
    assert (result.status, result.reason_code) == (InboundStatus.IGNORED, code)
    assert Ticket.objects.count() == 0
    assert OutboundEmail.objects.count() == 0 and smtp.mails == []  # and nobody is answered


def test_unknown_sender_becomes_a_requester_under_the_create_policy(world, receive):
    result = receive(make_mail(sender="Jean Nouveau <jean.nouveau@martin.test>", to=SUPPORT_A))
    assert result.reason_code == "new_ticket"
    user = get_user_model().objects.get(email="jean.nouveau@martin.test")
    assert (user.first_name, user.last_name, user.has_usable_password()) == ("Jean", "Nouveau", False)
    assert Membership.objects.get(user=user).role == Role.REQUESTER
    assert Ticket.objects.get().requester == user


def test_unknown_sender_outside_the_client_domains_is_rejected_even_under_create(world, smtp, receive):
    result = receive(make_mail(sender="spam@ailleurs.test", to=SUPPORT_A))
    assert (result.status, result.reason_code) == (InboundStatus.REJECTED, "unknown_sender")
    assert not get_user_model().objects.filter(email="spam@ailleurs.test").exists()


def test_unknown_sender_is_rejected_with_a_reply_under_the_reject_policy(world, smtp, receive):
    world.client_a.unknown_sender_policy = UnknownSenderPolicy.REJECT
    world.client_a.save()
    raw = make_mail(sender="inconnu@martin.test", to=SUPPORT_A, subject="Besoin d'aide", message_id="<unknown@martin.test>")
    result = receive(raw)

    assert (result.status, result.reason_code) == (InboundStatus.REJECTED, "unknown_sender")
    assert Ticket.objects.count() == 0
    assert not get_user_model().objects.filter(email="inconnu@martin.test").exists()
    record = InboundEmail.objects.rejected().get()
    assert "inconnu@martin.test" in record.reason and record.raw.read() == raw
    [answer] = smtp.wait_for(1)
    assert answer.rcpt_tos == ["inconnu@martin.test"]
    assert answer.message["In-Reply-To"] == "<unknown@martin.test>"
    assert answer.message["Auto-Submitted"] == "auto-generated"
    assert "Besoin d'aide" in answer.message["Subject"]
    assert "Boulangerie Martin" in answer.text()
    assert OutboundEmail.objects.get().kind == OutboundKind.REJECTION


def test_html_only_mail_is_sanitised_into_text(world, receive):
    html = (
        "<html><head><title>Titre caché</title><style>p{color:red}</style></head><body>"
        "<p>Bonjour,</p><p>Le <b>serveur</b> est <i>lent</i>.</p>"
        "<script>alert('pwned')</script><img src=x onerror=\"alert(1)\">"
        '<ul><li>poste 1</li><li>poste 2</li></ul><a href="javascript:alert(2)">cliquez</a></body></html>'
    )
    receive(make_mail(sender=world.requester_a.email, to=SUPPORT_A, body=None, html=html))
    description = Ticket.objects.get().description
    assert "Bonjour," in description and "Le serveur est lent." in description
    assert "- poste 1" in description and "- poste 2" in description
    for forbidden in ("alert", "<script", "onerror", "javascript:", "Titre caché", "color:red", "<p>"):
        assert forbidden not in description


def test_attachments_are_kept_and_bad_ones_reported_without_losing_the_message(world, receive):
    pdf = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
    raw = make_mail(
        sender=world.requester_a.email,
        to=SUPPORT_A,
        attachments=[
            ("facture.pdf", pdf, "application/pdf"),
            ("outil.exe", b"MZ\x90\x00" + b"\x00" * 200, "application/octet-stream"),
        ],
    )
    result = receive(raw)
    assert result.reason_code == "new_ticket"
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == ("facture.pdf", "application/pdf", len(pdf))
    assert attachment.file.read() == pdf
    ticket = Ticket.objects.get()
    assert "outil.exe" in ticket.description  # the refusal is visible to the technician
    assert "outil.exe" in InboundEmail.objects.get().details["attachment_errors"][0]


def test_oversize_message_is_rejected_kept_and_answered(world, smtp, receive, settings):
    settings.VIGIE_MAX_INBOUND_EMAIL_BYTES = 4000
    raw = make_mail(sender=world.requester_a.email, to=SUPPORT_A, body="x" * 6000)
    result = receive(raw)
    assert (result.status, result.reason_code) == (InboundStatus.REJECTED, "too_large")
    assert Ticket.objects.count() == 0
    record = InboundEmail.objects.get()
    assert record.raw.read() == raw and record.sender == world.requester_a.email and record.size == len(raw)
    [answer] = smtp.wait_for(1)
    assert answer.rcpt_tos == [world.requester_a.email] and "too large" in answer.text()


BROKEN_MESSAGES = {
    "unknown charset": (
        b"From: rose.requester@martin.test\r\nTo: support-martin@vigie.test\r\nSubject: Caf\xe9\r\n"
        b"Content-Type: text/plain; charset=x-unknown-thing\r\n\r\nLe caf\xe9 est froid.\r\n"
    ),
    "wrong declared charset": (
        b"From: rose.requester@martin.test\r\nTo: support-martin@vigie.test\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nLe caf\xe9 est froid.\r\n"
    ),
    "broken encoded word": (
        b"From: rose.requester@martin.test\r\nTo: support-martin@vigie.test\r\nSubject: =?x-bogus?B?Q2Fmw6k=?= froid\r\n"
        b"\r\nLe cafe est froid.\r\n"
    ),
    "multipart without boundary": (
        b"From: rose.requester@martin.test\r\nTo: support-martin@vigie.test\r\nSubject: Cafe\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nLe cafe est froid.\r\n"
    ),
    "truncated multipart": (
        b"From: rose.requester@martin.test\r\nTo: support-martin@vigie.test\r\nSubject: Cafe\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XYZ"\r\n\r\n--XYZ\r\n'
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nTGUgY2Fm!!ZSBlc3Qg\r\n"
    ),
    "garbage from header": (
        b'From: "Rose, R\xe9quester" <rose.requester@martin.test\r\nTo: support-martin@vigie.test\r\nSubject: Cafe\r\n\r\nLe cafe est froid.\r\n'
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN_MESSAGES))
def test_broken_mime_and_charsets_are_processed_or_rejected_never_crash(world, receive, name):
    result = receive(BROKEN_MESSAGES[name])
    assert result.status in (InboundStatus.ACCEPTED, InboundStatus.REJECTED), result
    record = InboundEmail.objects.get()
    assert record.raw.read() == BROKEN_MESSAGES[name]
    if result.status == InboundStatus.ACCEPTED:
        ticket = Ticket.objects.get()
        assert ticket.requester == world.requester_a
        assert ticket.title and ticket.description
    else:
        assert record.reason


@pytest.mark.parametrize("name", ["unknown charset", "wrong declared charset"])
def test_mislabelled_text_is_still_readable(world, receive, name):
    receive(BROKEN_MESSAGES[name])
    ticket = Ticket.objects.get()
    assert (ticket.title, ticket.description) == ("Café", "Le café est froid.")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"just some words, not a message", "malformed"),
        (b"Subject: no sender\r\nTo: support-martin@vigie.test\r\n\r\nbody", "no_sender"),
        (b"From: rose.requester@martin.test\r\nTo: nobody@elsewhere.test\r\nSubject: x\r\n\r\nbody", "unknown_recipient"),
    ],
)
def test_unusable_messages_are_kept_as_rejected_with_a_reason(world, receive, raw, code):
    result = receive(raw)
    assert (result.status, result.reason_code) == (InboundStatus.REJECTED, code)
    record = InboundEmail.objects.rejected().get()
    assert record.reason and record.raw.read() == raw


def test_the_same_message_delivered_twice_changes_nothing(world, smtp, receive):
    raw = make_mail(sender=world.requester_a.email, to=SUPPORT_A, message_id="<twice@client.test>")
    first = receive(raw)
    counts = (Ticket.objects.count(), Comment.objects.count(), InboundEmail.objects.count(), OutboundEmail.objects.count())
    again = receive(raw)
    assert (again.status, again.ticket) == (InboundStatus.DUPLICATE, first.ticket)
    assert (
        Ticket.objects.count(),
        Comment.objects.count(),
        InboundEmail.objects.count(),
        OutboundEmail.objects.count(),
    ) == counts
    # The same Message-ID through another relay (one more Received header) is a duplicate too.
    relayed = receive(b"Received: from mx2.client.test by mx.vigie.test; Mon, 3 Mar 2025 10:00:00 +0000\r\n" + raw)
    assert relayed.status == InboundStatus.DUPLICATE
    assert (Ticket.objects.count(), Comment.objects.count()) == counts[:2]
    assert len(smtp.mails) == 1  # one acknowledgement only


def test_an_unexpected_error_leaves_no_half_written_ticket_and_the_message_is_kept(world, receive, monkeypatch):
    real_file = intake._file

    def file_then_crash(*args, **kwargs):
        real_file(*args, **kwargs)  # the ticket is written…
        raise RuntimeError("disk full")  # …then something breaks before the end

    monkeypatch.setattr(intake, "_file", file_then_crash)
    raw = make_mail(sender=world.requester_a.email, to=SUPPORT_A)
    result = receive(raw)
    assert (result.status, result.reason_code) == (InboundStatus.FAILED, "error")
    assert "disk full" in result.reason
    assert Ticket.objects.count() == 0 and Comment.objects.count() == 0
    assert InboundEmail.objects.rejected().get().raw.read() == raw
    # Once the cause is fixed, the same message goes through (it was not a duplicate).
    monkeypatch.setattr(intake, "_file", real_file)
    assert receive(raw).status == InboundStatus.ACCEPTED
    assert Ticket.objects.count() == 1 and InboundEmail.objects.count() == 1


def test_replying_to_an_internal_note_mail_writes_an_internal_note(world, smtp, receive, django_capture_on_commit_callbacks):
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Sauvegarde")
    services.assign_ticket(ticket, by=world.admin, assignee=world.tech_a, group=world.group_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(ticket, by=world.admin, body="Attention, contrat échu", internal=True)
    [note_mail] = smtp.to(world.tech_a.email)
    receive(
        make_mail(
            sender=world.tech_a.email,
            to=SUPPORT_A,
            subject=note_mail.message["Subject"],
            in_reply_to=note_mail.message["Message-ID"],
            body="Vu, je relance.",
        )
    )
    answer = ticket.comments.order_by("id").last()
    assert answer.body == "Vu, je relance." and answer.is_internal
    assert all("je relance" not in mail.text() for mail in smtp.to(world.requester_a.email))


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(world, receive):
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Wifi")
    services.resolve_ticket(ticket, by=world.tech_a, resolution="Borne changée")
    services.close_ticket(ticket, by=world.tech_a)
    result = receive(
        make_mail(sender=world.requester_a.email, to=SUPPORT_A, subject=f"Re: [{ticket.reference}] Wifi", body="Ça recommence.")
    )
    assert result.reason_code == "new_ticket" and result.ticket != ticket.reference
    follow_up = Ticket.objects.get(reference=result.ticket)
    assert follow_up.description.startswith(f"Follow-up of {ticket.reference}.")
    assert ticket.comments.count() == 0


def test_a_persistent_unknown_sender_is_answered_a_few_times_only(world, smtp, receive):
    world.client_a.unknown_sender_policy = UnknownSenderPolicy.REJECT
    world.client_a.save()
    for number in range(5):
        result = receive(make_mail(sender="robot@martin.test", to=SUPPORT_A, subject=f"Alerte {number}"))
        assert result.reason_code == "unknown_sender"
    assert len(smtp.wait_for(intake.MAX_REJECTION_REPLIES_PER_HOUR)) == intake.MAX_REJECTION_REPLIES_PER_HOUR
    assert InboundEmail.objects.rejected().count() == 5  # every message is still kept


def test_a_forwarded_message_is_kept_whole_as_an_attachment(world, receive):
    phishing = make_mail(
        sender="faux-banquier@arnaque.test", to=world.requester_a.email, subject="Urgent: votre compte", body="Cliquez ici."
    )
    outer = EmailMessage()
    outer["From"] = world.requester_a.email
    outer["To"] = SUPPORT_A
    outer["Subject"] = "TR: mail suspect"
    outer.set_content("Ce message est-il une arnaque ?")
    outer.add_attachment(email.message_from_bytes(phishing, policy=policy.default))
    receive(outer.as_bytes())
    ticket = Ticket.objects.get()
    assert ticket.description == "Ce message est-il une arnaque ?"  # the forwarded body is not mixed in
    attachment = ticket.attachments.get()
    assert attachment.filename == "Urgent_ votre compte.eml"
    assert b"Cliquez ici." in attachment.file.read()
