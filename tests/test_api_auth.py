"""Authentication (tokens, sessions), the caller's tokens, and the one error format for bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import World
from tests.test_api_support import api_as, error_fields, ticket_of
from vigie.accounts.models import ApiToken
from vigie.accounts.services import issue_api_token, revoke_api_token
from vigie.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me/"


def bearer(raw: str, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {raw}")
    return client


def assert_401(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401
    body = response.json()
    assert body["error"]["status"] == 401 and body["error"]["code"] in {"authentication_failed", "not_authenticated"}
    assert body["error"]["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_bearer_and_token_keywords(world: World) -> None:
    token, raw = issue_api_token(world.requester_a, name="script")
    assert bearer(raw).get(ME).json()["id"] == world.requester_a.pk
    assert bearer(raw, "Token").get(ME).json()["id"] == world.requester_a.pk
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_missing_wrong_revoked_and_expired_tokens_are_401(world: World) -> None:
    assert_401(APIClient().get(ME))
    assert_401(bearer("vg_not-a-real-token").get(ME))
    assert_401(bearer("a b").get(ME))
    token, raw = issue_api_token(world.requester_a, name="old")
    revoke_api_token(token, by=world.requester_a)
    assert_401(bearer(raw).get(ME))
    _token, raw = issue_api_token(world.requester_a, name="short", expires_at=timezone.now() + timedelta(hours=1))
    assert bearer(raw).get(ME).status_code == 200
    ApiToken.objects.filter(name="short").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_401(bearer(raw).get(ME))


def test_token_of_a_deactivated_user_is_401(world: World) -> None:
    _token, raw = issue_api_token(world.requester_a, name="script")
    world.requester_a.is_active = False
    world.requester_a.save()
    assert_401(bearer(raw).get(ME))


def test_session_authentication_with_csrf(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login(world.requester_a)
    assert client.get(ME).json()["id"] == world.requester_a.pk
    response = client.post("/api/v1/tickets/", {"title": "Par la session"}, content_type="application/json")
    assert response.status_code == 201
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.requester_a, backend="django.contrib.auth.backends.ModelBackend")
    response = strict.post("/api/v1/tickets/", {"title": "Sans jeton CSRF"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert Ticket.objects.count() == 1


def test_caller_manages_own_tokens(world: World) -> None:
    client = api_as(world.tech_a)  # holds one token already, named "tests"
    expires = (timezone.now() + timedelta(days=30)).isoformat()
    response = client.post("/api/v1/tokens/", {"name": "Supervision", "expires_at": expires}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    raw = created["token"]
    assert raw.startswith("vg_") and created["hint"] == raw[:8] and created["is_usable"] is True
    assert not ApiToken.objects.filter(token_hash=raw).exists()  # only the hash is stored
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert {t["name"] for t in listed} == {"tests", "Supervision"}
    assert all("token" not in t for t in listed)
    assert bearer(raw).get(ME).json()["id"] == world.tech_a.pk
    assert client.delete(f"/api/v1/tokens/{created['id']}/").status_code == 204
    assert_401(bearer(raw).get(ME))
    assert client.get(f"/api/v1/tokens/{created['id']}/").json()["revoked_at"] is not None


def test_tokens_of_others_are_404_and_bad_input_400(world: World) -> None:
    other, _raw = issue_api_token(world.tech_b, name="B")
    client = api_as(world.tech_a)
    assert client.get(f"/api/v1/tokens/{other.pk}/").status_code == 404
    assert client.delete(f"/api/v1/tokens/{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    past = (timezone.now() - timedelta(days=1)).isoformat()
    for payload, field in [
        ({"name": " "}, "name"),
        ({"name": "x", "expires_at": past}, "expires_at"),
        ({"name": "x", "user": 1}, "user"),
    ]:
        response = client.post("/api/v1/tokens/", payload, format="json")
        assert response.status_code == 400 and field in error_fields(response), payload


def test_malformed_json_is_400(world: World) -> None:
    client = api_as(world.requester_a)
    response = client.post("/api/v1/tickets/", data='{"title": "oops",', content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "parse_error" and body["error"]["message"]
    response = client.post("/api/v1/tickets/", data='["a list"]', content_type="application/json")
    assert response.status_code == 400 and "non_field_errors" in error_fields(response)


def test_unknown_fields_and_wrong_types_are_400_naming_each_field(world: World) -> None:
    response = api_as(world.requester_a).post(
        "/api/v1/tickets/",
        {"title": ["not", "a", "string"], "impact": "very", "urgency": 7, "priority": 1, "colour": "red", "category": "abc"},
        format="json",
    )
    assert response.status_code == 400
    fields = error_fields(response)
    assert set(fields) == {"title", "impact", "urgency", "priority", "colour", "category"}
    assert all(messages and all(isinstance(m, str) for m in messages) for messages in fields.values())
    assert not Ticket.objects.exists()


def test_method_and_media_type_errors_use_the_format(world: World) -> None:
    ticket = ticket_of(world)
    client = api_as(world.tech_a)
    response = client.delete(f"/api/v1/tickets/{ticket.reference}/")
    assert response.status_code == 405 and response.json()["error"]["status"] == 405
    response = client.post("/api/v1/tickets/", data="title=x", content_type="text/csv")
    assert response.status_code == 415 and response.json()["error"]["status"] == 415


def test_errors_are_localised_by_accept_language(world: World) -> None:
    client = api_as(world.requester_a)
    english = client.post("/api/v1/tickets/", {"impact": 1}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert error_fields(english)["title"] == ["This field is required."]
    french = client.post("/api/v1/tickets/", {"impact": 1}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert error_fields(french)["title"] == ["Ce champ est obligatoire."]


def test_token_caller_gets_their_language_and_time_zone(world: World) -> None:
    user = world.requester_a
    user.language, user.time_zone = "en", "America/New_York"
    user.save()
    client = api_as(user)
    response = client.post("/api/v1/tickets/", {"impact": 1}, format="json")
    assert error_fields(response)["title"] == ["This field is required."]
    assert response["Content-Language"] == "en"
    created = client.post("/api/v1/tickets/", {"title": "Heure locale"}, format="json").json()["created_at"]
    assert created.endswith(("-05:00", "-04:00"))
    # An explicit Accept-Language still wins.
    french = client.post("/api/v1/tickets/", {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert error_fields(french)["title"] == ["Ce champ est obligatoire."]


def test_every_error_has_the_same_keys(world: World) -> None:
    client = api_as(world.requester_a)
    for response in (
        APIClient().get(ME),
        client.get("/api/v1/tickets/INC-000404/"),
        client.get("/api/v1/groups/"),
        client.post("/api/v1/tickets/", {}, format="json"),
    ):
        assert set(response.json()["error"]) == {"code", "message", "status", "fields"}


def test_oversize_bodies_and_too_many_files_use_the_format(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    from tests.test_api_support import upload

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    client = api_as(world.requester_a)
    response = client.post("/api/v1/tickets/", {"title": "x", "description": "y" * 5000}, format="json")
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    ticket = ticket_of(world)
    response = client.post(
        f"/api/v1/tickets/{ticket.reference}/attachments/", {"file": [upload(), upload(), upload()]}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["error"]["status"] == 400
    assert not ticket.attachments.exists() and Ticket.objects.count() == 1
