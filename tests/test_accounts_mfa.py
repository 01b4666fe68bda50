"""Two-factor authentication with TOTP, end to end, and its enforcement per organisation.

Codes are computed here with an independent RFC 6238 implementation, as an
authenticator app on a phone would."""

from __future__ import annotations

import base64
import hmac
import struct
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, World

ACTIVATE_URL = reverse("mfa_activate_totp")
AUTHENTICATE_URL = reverse("mfa_authenticate")


@pytest.fixture(autouse=True)
def _database_cache(settings: object) -> None:
    settings.CACHES = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "vigie_cache"}
    }


def totp(secret: str, at: float | None = None, *, digits: int = 6, period: int = 30, digest: str = "sha1") -> str:
    """RFC 6238 time-based one-time password for a base32 ``secret``."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // period)
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def test_the_totp_helper_matches_the_rfc_6238_test_vectors() -> None:
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, 59, digits=8) == "94287082"
    assert totp(secret, 1111111109, digits=8) == "07081804"
    assert totp(secret, 2000000000, digits=8) == "69279037"


def log_in(client: Client, email: str) -> object:
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


def user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def activate_totp(client: Client) -> str:
    """Walk the activation page like a user; return the secret the page handed out."""
    response = client.get(ACTIVATE_URL)
    # Adding an authenticator asks for the password again first.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE_URL
    response = client.get(ACTIVATE_URL)
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in response.content.decode()  # shown for manual entry, beside the QR code
    response = client.post(ACTIVATE_URL, {"code": totp(secret)})
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return str(secret)


def test_user_of_an_organisation_requiring_mfa_is_sent_to_the_set_up_page_until_done(client: Client, world: World) -> None:
    world.client_a.mfa_required = True
    world.client_a.save()
    user = world.requester_a

    response = log_in(client, user.email)
    assert response.status_code == 302
    assert user_id(client) == str(user.pk)
    for url in ("/", reverse("portal:ticket_list"), reverse("accounts:profile")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == ACTIVATE_URL

    secret = activate_totp(client)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("portal:ticket_list")).status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200

    # Next login: the password alone is not enough.
    client.post("/accounts/logout/")
    response = log_in(client, user.email)
    assert response.status_code == 302
    assert response["Location"] == AUTHENTICATE_URL
    assert user_id(client) is None
    assert client.get(reverse("portal:ticket_list")).status_code == 302

    response = client.post(AUTHENTICATE_URL, {"code": "000000" if totp(secret) != "000000" else "111111"})
    assert response.status_code == 200
    assert user_id(client) is None

    # A code is accepted once: move to the next 30-second window for a fresh one.
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        response = client.post(AUTHENTICATE_URL, {"code": totp(secret)})
        assert response.status_code == 302
        assert user_id(client) == str(user.pk)
        assert client.get(reverse("portal:ticket_list")).status_code == 200


def test_a_totp_code_cannot_be_replayed(world: World) -> None:
    user = world.tech_a
    first, second = Client(), Client()
    log_in(first, user.email)
    secret = activate_totp(first)
    first.post("/accounts/logout/")

    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        code = totp(secret)
        log_in(first, user.email)
        assert first.post(AUTHENTICATE_URL, {"code": code}).status_code == 302
        assert user_id(first) == str(user.pk)
        # Someone who watched the code being typed cannot reuse it.
        log_in(second, user.email)
        second.post(AUTHENTICATE_URL, {"code": code})
        assert user_id(second) is None


def test_mfa_is_not_forced_on_members_of_other_organisations(client: Client, world: World) -> None:
    world.client_a.mfa_required = True
    world.client_a.save()
    log_in(client, world.requester_b.email)
    assert client.get(reverse("portal:ticket_list")).status_code == 200
    log_in(client, world.tech_a.email)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_an_inactive_organisation_does_not_force_mfa(client: Client, world: World) -> None:
    world.client_a.mfa_required = True
    world.client_a.is_active = False
    world.client_a.save()
    log_in(client, world.manager_a.email)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_the_api_is_not_redirected_to_the_set_up_page(client: Client, world: World) -> None:
    world.client_a.mfa_required = True
    world.client_a.save()
    log_in(client, world.requester_a.email)
    response = client.get("/api/v1/")
    assert response.status_code == 200


def test_users_can_turn_on_totp_without_being_forced(client: Client, world: World) -> None:
    log_in(client, world.tech_b.email)
    activate_totp(client)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("mfa_index") in page
    client.post("/accounts/logout/")
    assert log_in(client, world.tech_b.email)["Location"] == AUTHENTICATE_URL  # type: ignore[index]
