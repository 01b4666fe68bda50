"""Personal API tokens: created on the account page (clear value shown once, only a hash
stored), listed, revoked; the API refuses revoked and expired ones with 401."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from django.core import serializers
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from vigie.accounts.models import ApiToken, User, hash_token
from vigie.accounts.services import issue_api_token, revoke_api_token
from vigie.core.models import AuditEntry

API_ROOT = "/api/v1/"
CREATE_URL = reverse("accounts:api_token_create")
PROFILE_URL = reverse("accounts:profile")


def api_get(token: str, scheme: str = "Bearer") -> object:
    return Client().get(API_ROOT, HTTP_AUTHORIZATION=f"{scheme} {token}")


def create_token(client: Client, **data: str) -> str:
    response = client.post(CREATE_URL, {"name": "Supervision", **data})
    assert response.status_code == 200
    match = re.search(r'value="(vg_[A-Za-z0-9_\-]+)"', response.content.decode())
    assert match, "the clear token is shown on the page"
    return match.group(1)


def test_created_token_is_shown_once_and_works_with_the_api(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.tech_a)
    raw = create_token(client)
    token = ApiToken.objects.get(user=world.tech_a)
    assert token.name == "Supervision"
    assert token.hint == raw[:8]
    assert response_is_ok(api_get(raw))
    assert response_is_ok(api_get(raw, scheme="Token"))
    # The account page lists the token by its hint, never its value.
    page = client.get(PROFILE_URL).content.decode()
    assert "Supervision" in page and token.hint in page
    assert raw not in page
    token.refresh_from_db()
    assert token.last_used_at is not None


def response_is_ok(response: object) -> bool:
    return response.status_code == 200  # type: ignore[attr-defined,no-any-return]


def test_tokens_are_stored_hashed(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.tech_a)
    raw = create_token(client)
    token = ApiToken.objects.get(user=world.tech_a)
    assert token.token_hash == hash_token(raw) != raw
    everything = serializers.serialize("json", [*ApiToken.objects.all(), *AuditEntry.objects.all(), *User.objects.all()])
    assert raw not in everything
    assert token.token_hash not in json.dumps([entry.changes for entry in AuditEntry.objects.all()])


def test_token_with_an_expiry_date(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.tech_a)
    expires_on = timezone.localdate() + timedelta(days=30)
    raw = create_token(client, expires_on=expires_on.isoformat())
    token = ApiToken.objects.get(user=world.tech_a)
    assert token.expires_at is not None
    assert timezone.localtime(token.expires_at).date() == expires_on + timedelta(days=1)
    assert response_is_ok(api_get(raw))


def test_expiry_in_the_past_is_refused(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.tech_a)
    response = client.post(CREATE_URL, {"name": "old", "expires_on": (date.today() - timedelta(days=2)).isoformat()})
    assert response.status_code == 422
    assert "expires_on" in response.context["token_form"].errors
    assert not ApiToken.objects.exists()


def test_token_needs_a_name(login, world: World) -> None:  # type: ignore[no-untyped-def]
    response = login(world.tech_a).post(CREATE_URL, {"name": "   "})
    assert response.status_code == 422
    assert "name" in response.context["token_form"].errors
    assert not ApiToken.objects.exists()


def test_revoked_token_is_refused_by_the_api(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.tech_a)
    raw = create_token(client)
    token = ApiToken.objects.get(user=world.tech_a)
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = api_get(raw)
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response["WWW-Authenticate"].startswith("Bearer")  # type: ignore[index]
    entry = AuditEntry.objects.filter(model="accounts.apitoken", object_id=str(token.pk), action="update").latest("id")
    assert entry.actor == world.tech_a
    assert "revoked_at" in entry.changes


def test_expired_token_is_refused_by_the_api(world: World) -> None:
    token, raw = issue_api_token(world.tech_a, name="short", expires_at=timezone.now() + timedelta(hours=1))
    assert response_is_ok(api_get(raw))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_get(raw).status_code == 401  # type: ignore[attr-defined]


def test_token_of_a_deactivated_user_is_refused(world: World) -> None:
    _token, raw = issue_api_token(world.tech_a, name="integration")
    world.tech_a.is_active = False
    world.tech_a.save()
    assert api_get(raw).status_code == 401  # type: ignore[attr-defined]


def test_unknown_and_malformed_tokens_are_refused(world: World) -> None:
    assert api_get("vg_" + "x" * 43).status_code == 401  # type: ignore[attr-defined]
    assert Client().get(API_ROOT, HTTP_AUTHORIZATION="Bearer a b").status_code == 401
    assert Client().get(API_ROOT).status_code == 401


def test_a_user_only_sees_their_own_tokens(login, world: World) -> None:  # type: ignore[no-untyped-def]
    issue_api_token(world.tech_b, name="Paris backup script")
    page = login(world.tech_a).get(PROFILE_URL).content.decode()
    assert "Paris backup script" not in page


def test_another_users_token_cannot_be_revoked(login, world: World) -> None:  # type: ignore[no-untyped-def]
    token, raw = issue_api_token(world.tech_b, name="Paris backup script")
    for user in (world.tech_a, world.admin, world.requester_b):
        response = login(user).post(reverse("accounts:api_token_revoke", args=[token.pk]))
        assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert response_is_ok(api_get(raw))


def test_revoking_needs_a_post(login, world: World) -> None:  # type: ignore[no-untyped-def]
    token, _raw = issue_api_token(world.tech_a, name="x")
    assert login(world.tech_a).get(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_twice_keeps_the_first_date(world: World) -> None:
    token, _raw = issue_api_token(world.tech_a, name="x")
    revoke_api_token(token, by=world.tech_a)
    first = token.revoked_at
    revoke_api_token(token, by=world.tech_a)
    token.refresh_from_db()
    assert token.revoked_at == first


def test_profile_lists_token_states(login, world: World) -> None:  # type: ignore[no-untyped-def]
    active, _ = issue_api_token(world.tech_a, name="active-one")
    revoked, _ = issue_api_token(world.tech_a, name="revoked-one")
    revoke_api_token(revoked, by=world.tech_a)
    expired, _ = issue_api_token(world.tech_a, name="expired-one", expires_at=timezone.now() - timedelta(days=1))
    response = login(world.tech_a).get(PROFILE_URL, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    listed = list(response.context["api_tokens"])
    assert {t.name for t in listed} == {"active-one", "revoked-one", "expired-one"}
    assert html.count(reverse("accounts:api_token_revoke", args=[active.pk])) == 1
    assert reverse("accounts:api_token_revoke", args=[revoked.pk]) not in html
    assert reverse("accounts:api_token_revoke", args=[expired.pk]) in html
