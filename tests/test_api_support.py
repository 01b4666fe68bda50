"""Helpers for the API tests (no tests here): an API client per user, tickets, uploads."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.conftest import World
from vigie.accounts.models import User
from vigie.accounts.services import issue_api_token
from vigie.servicedesk import services
from vigie.servicedesk.models import Ticket

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def api_as(user: User) -> APIClient:
    """A client authenticated like an integrator: a personal token in a Bearer header."""
    _token, raw = issue_api_token(user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def ticket_of(world: World, *, title: str = "Imprimante en panne", by: User | None = None, **extra: Any) -> Ticket:
    return services.open_ticket(by=by or world.requester_a, organization=world.client_a, title=title, **extra)


def upload(name: str = "capture.png", data: bytes = PNG, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def error_fields(response: Any) -> dict[str, list[str]]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code
    return dict(body["error"].get("fields", {}))


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return list(response.json()["results"])
