"""``vigie fetchmail`` and the worker's polling task against a real IMAP4 server on loopback."""

from __future__ import annotations

import dataclasses
import io
import sys

import pytest
from django.core.management import CommandError, call_command
from huey.contrib.djhuey import HUEY

from tests.mailservers import make_mail, running_imap, running_smtp
from vigie.notifications import tasks
from vigie.notifications.models import InboundEmail, InboundSource, InboundStatus
from vigie.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Messages for people without a language follow the installation default; pin it, so the
    assertions on English text hold whatever the French catalog says."""
    settings.LANGUAGE_CODE = "en"


SUPPORT_A = "support-martin@vigie.test"


@pytest.fixture
def imap(settings):
    with running_imap() as server:
        email = dataclasses.replace(
            settings.VIGIE.email,
            imap_host=server.host,
            imap_port=server.port,
            imap_user=server.user,
            imap_password=server.password,
            imap_ssl=False,
            imap_folder="INBOX",
        )
        settings.VIGIE = dataclasses.replace(settings.VIGIE, email=email)
        yield server


@pytest.fixture
def smtp(settings):
    with running_smtp(settings) as server:
        yield server


@pytest.fixture(autouse=True)
def _empty_queue():
    HUEY.flush()
    yield
    HUEY.flush()


def test_fetchmail_files_unseen_messages_and_marks_them_seen(world, imap, smtp, capsys, django_capture_on_commit_callbacks):
    new_ticket = imap.deliver(
        make_mail(sender=world.requester_a.email, to=SUPPORT_A, subject="Poste lent", message_id="<imap-1@client.test>")
    )
    out_of_office = imap.deliver(
        make_mail(sender=world.requester_a2.email, to=SUPPORT_A, subject="Absent", headers={"Auto-Submitted": "auto-replied"})
    )
    already_read = imap.deliver(make_mail(sender=world.requester_a.email, to=SUPPORT_A, subject="Déjà lu"), flags=["\\Seen"])

    with django_capture_on_commit_callbacks(execute=True):
        call_command("fetchmail", "--once")

    assert "2 fetched" in capsys.readouterr().out
    ticket = Ticket.objects.get()
    assert (ticket.title, ticket.requester) == ("Poste lent", world.requester_a)
    records = {record.subject: record for record in InboundEmail.objects.all()}
    assert set(records) == {"Poste lent", "Absent"}  # the message already read was left alone
    assert records["Poste lent"].source == InboundSource.IMAP
    assert records["Absent"].status == InboundStatus.IGNORED
    flags = imap.flags()
    assert "\\Seen" in flags[new_ticket] and "\\Seen" in flags[out_of_office]
    assert flags[already_read] == ["\\Seen"]
    assert [mail.rcpt_tos for mail in smtp.wait_for(1)] == [[world.requester_a.email]]  # the acknowledgement

    # A second poll finds nothing new and changes nothing.
    call_command("fetchmail", "--once")
    assert "0 fetched" in capsys.readouterr().out
    assert Ticket.objects.count() == 1 and InboundEmail.objects.count() == 2


def test_a_message_seen_again_after_a_crash_is_not_filed_twice(world, imap):
    raw = make_mail(sender=world.requester_a.email, to=SUPPORT_A, message_id="<crash@client.test>")
    uid = imap.deliver(raw)
    call_command("fetchmail", "--once")
    # The worker died before flagging it: the message is unseen again on the server.
    imap.inbox.messages[0].flags = []
    call_command("fetchmail", "--once")
    assert Ticket.objects.count() == 1
    assert "\\Seen" in imap.flags()[uid]


def test_the_worker_polls_the_mailbox_when_imap_is_configured(world, imap):
    imap.deliver(make_mail(sender=world.requester_a.email, to=SUPPORT_A, subject="Par le worker"))
    tasks.poll_mailbox.call_local()
    assert Ticket.objects.get().title == "Par le worker"


def test_fetchmail_reports_a_wrong_password_and_an_unreachable_server(world, imap, settings):
    settings.VIGIE = dataclasses.replace(settings.VIGIE, email=dataclasses.replace(settings.VIGIE.email, imap_password="wrong"))
    with pytest.raises(CommandError):
        call_command("fetchmail", "--once")
    imap.stop()
    with pytest.raises(CommandError, match="cannot connect"):
        call_command("fetchmail", "--once")


def test_fetchmail_without_imap_configuration_says_so(world, settings):
    settings.VIGIE = dataclasses.replace(settings.VIGIE, email=dataclasses.replace(settings.VIGIE.email, imap_host=""))
    with pytest.raises(CommandError, match="VIGIE_IMAP_HOST"):
        call_command("fetchmail", "--once")
    tasks.poll_mailbox.call_local()  # the periodic task quietly does nothing


def test_fetchmail_stdin_files_one_piped_message_with_mta_exit_codes(world, monkeypatch):
    def run(raw: bytes) -> int:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        try:
            call_command("fetchmail", "--stdin")
        except CommandError as error:
            return error.returncode
        return 0

    assert run(make_mail(sender=world.requester_a.email, to=SUPPORT_A, subject="Par le pipe")) == 0
    assert Ticket.objects.get().title == "Par le pipe"
    assert run(make_mail(sender="inconnu@ailleurs.test", to=SUPPORT_A)) == 0  # kept as rejected, not bounced
    assert run(b"not a message") == 65
