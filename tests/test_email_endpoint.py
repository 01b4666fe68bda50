"""``POST /inbound/email/``: a mail server pipes raw messages in with an intake token."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from tests.mailservers import make_mail
from vigie.notifications.models import InboundEmail, InboundEmailToken, InboundSource, InboundStatus
from vigie.servicedesk.inbound.tokens import issue_intake_token, revoke_intake_token
from vigie.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Messages for people without a language follow the installation default; pin it, so the
    assertions on English text hold whatever the French catalog says."""
    settings.LANGUAGE_CODE = "en"


URL = "/inbound/email/"


@pytest.fixture
def token(db):
    _token, raw = issue_intake_token("postfix")
    return raw


def post(raw: bytes, token: str | None, client: Client | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return (client or Client()).post(URL, data=raw, content_type="message/rfc822", headers=headers)


def test_a_piped_message_opens_a_ticket(world, token):
    response = post(make_mail(sender=world.requester_a.email, to="support-martin@vigie.test"), token)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "accepted" and body["reason_code"] == "new_ticket"
    assert Ticket.objects.get().reference == body["ticket"]
    assert InboundEmail.objects.get().source == InboundSource.HTTP


def test_the_mbox_from_line_of_a_pipe_is_tolerated(world, token):
    raw = b"From rose.requester@martin.test Mon Mar  3 10:00:00 2025\n" + make_mail(
        sender=world.requester_a.email, to="support-martin@vigie.test"
    )
    assert post(raw, token).json()["reason_code"] == "new_ticket"


@pytest.mark.parametrize("credentials", [None, "vgi_wrong", "revoked"])
def test_without_a_valid_token_nothing_is_read(world, token, credentials):
    if credentials == "revoked":
        revoke_intake_token(InboundEmailToken.objects.get())
        credentials = token
    response = post(make_mail(sender=world.requester_a.email, to="support-martin@vigie.test"), credentials)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert InboundEmail.objects.count() == 0 and Ticket.objects.count() == 0


def test_a_user_api_token_is_not_an_intake_token(world):
    from vigie.accounts.services import issue_api_token

    _token, raw = issue_api_token(world.admin, name="api")
    assert post(make_mail(sender=world.requester_a.email, to="support-martin@vigie.test"), raw).status_code == 401


def test_malformed_input_is_a_400_with_the_reason(world, token):
    response = post(b"hello, this is not an e-mail", token)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"
    assert InboundEmail.objects.get().status == InboundStatus.REJECTED  # kept all the same
    empty = post(b"   ", token)
    assert (empty.status_code, empty.json()["error"]["code"]) == (400, "empty")


def test_too_large_is_a_413(world, token, settings):
    settings.VIGIE_MAX_INBOUND_EMAIL_BYTES = 3000
    response = post(make_mail(sender=world.requester_a.email, to="support-martin@vigie.test", body="x" * 5000), token)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert InboundEmail.objects.get().reason_code == "too_large"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4000  # far above the limit: refused before reading
    assert post(b"x" * 9000, token).status_code == 413


def test_only_post_is_allowed(world, token):
    assert Client().get(URL, headers={"Authorization": f"Bearer {token}"}).status_code == 405


def test_intaketoken_command_creates_lists_and_revokes(world, capsys):
    call_command("intaketoken", "create", "postfix on mx1")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("vgi_")
    assert post(make_mail(sender=world.requester_a.email, to="support-martin@vigie.test"), raw).status_code == 202
    token = InboundEmailToken.objects.get()
    assert token.token_hash != raw and raw not in str(token.__dict__)  # only the hash is stored
    call_command("intaketoken", "list")
    assert "postfix on mx1" in capsys.readouterr().out
    call_command("intaketoken", "revoke", str(token.pk))
    assert post(make_mail(sender=world.requester_a.email, to="support-martin@vigie.test"), raw).status_code == 401
