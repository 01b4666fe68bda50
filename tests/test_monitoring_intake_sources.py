"""Managing intake sources: staff pages (token shown once with the configuration to paste,
rotation, deactivation, the log of refusals) and the API (/api/v1/intake-sources/)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.intake_support import am_alert, am_payload, make_source, post
from tests.test_api_support import api_as
from vigie.core.models import AuditEntry
from vigie.monitoring.models import IntakeSource
from vigie.monitoring.tokens import hash_token

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r"vgi_[A-Za-z0-9_-]{40,}")


def test_create_shows_the_token_once_with_snippets(client, world, login):
    login(world.tech_a)
    page = client.get(reverse("monitoring:source_create"))
    assert page.status_code == 200
    choices = page.context["form"].fields["organization"].queryset
    assert list(choices) == [world.client_a]  # the clients tech A serves
    response = client.post(
        reverse("monitoring:source_create"),
        {"organization": world.client_a.pk, "kind": "alertmanager", "name": "Prometheus siège"},
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    token = TOKEN.search(html).group(0)
    source = IntakeSource.objects.get(name="Prometheus siège")
    assert source.token_hash == hash_token(token) and source.organization == world.client_a
    assert "webhook_configs" in html and "credentials: " + token in html and "/intake/alertmanager/" in html
    # The token works at once; it is never shown again.
    assert post(client, "/intake/alertmanager/", am_payload(am_alert("t1")), token).status_code == 200
    detail = client.get(reverse("monitoring:source_detail", args=[source.pk])).content.decode()
    assert token not in detail and source.token_hint in detail
    assert token not in client.get(reverse("monitoring:source_list")).content.decode()
    assert AuditEntry.objects.filter(object_id=str(source.pk)).exists()


@pytest.mark.parametrize(
    ("kind", "expected"), [("zabbix", "vigie_token = "), ("generic", "curl -sS"), ("glpi_agent", "server = ")]
)
def test_snippets_per_kind(client, world, login, kind, expected):
    login(world.admin)
    response = client.post(reverse("monitoring:source_create"), {"organization": world.client_b.pk, "kind": kind, "name": "x"})
    assert expected in response.content.decode()


def test_a_client_not_served_cannot_be_chosen(client, world, login):
    login(world.tech_a)
    response = client.post(
        reverse("monitoring:source_create"), {"organization": world.client_b.pk, "kind": "generic", "name": "x"}
    )
    assert response.status_code == 422 and not IntakeSource.objects.exists()


def test_rotate_and_deactivate(client, world, login):
    source, old = make_source(world, "alertmanager")
    login(world.tech_a)
    assert client.get(reverse("monitoring:source_rotate", args=[source.pk])).status_code == 405
    response = client.post(reverse("monitoring:source_rotate", args=[source.pk]))
    new = TOKEN.search(response.content.decode()).group(0)
    assert new != old
    assert post(client, "/intake/alertmanager/", am_payload(am_alert("r")), old).status_code == 401
    assert post(client, "/intake/alertmanager/", am_payload(am_alert("r")), new).status_code == 200
    response = client.post(reverse("monitoring:source_deactivate", args=[source.pk]))
    assert response.status_code == 302
    assert post(client, "/intake/alertmanager/", am_payload(am_alert("r")), new).status_code == 401
    assert client.post(reverse("monitoring:source_rotate", args=[source.pk])).status_code == 404


def test_pages_show_the_refusals_of_the_clients_served(client, world, login):
    source, token = make_source(world, "generic", name="Script sauvegardes")
    _other, token_b = make_source(world, "generic", organization=world.client_b, name="Script cabinet")
    post(client, "/intake/generic/", {"alerts": [{"key": "k", "status": "bizarre"}]}, token)
    post(client, "/intake/generic/", {"alerts": [{"key": "k", "status": "secret-du-cabinet"}]}, token_b)
    login(world.tech_a)
    listing = client.get(reverse("monitoring:source_list")).content.decode()
    assert "Script sauvegardes" in listing and "bizarre" in listing
    assert "Script cabinet" not in listing and "secret-du-cabinet" not in listing
    detail = client.get(reverse("monitoring:source_detail", args=[source.pk])).content.decode()
    assert "bizarre" in detail and "alerts/0/status" in detail
    assert client.get(reverse("monitoring:source_detail", args=[_other.pk])).status_code == 404


def test_api_create_rotate_deactivate(world):
    api = api_as(world.tech_a)
    response = api.post(
        "/api/v1/intake-sources/", {"organization": world.client_a.pk, "kind": "zabbix", "name": "Zabbix"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"].startswith("vgi_") and body["endpoint"].endswith("/intake/zabbix/")
    source = IntakeSource.objects.get(pk=body["id"])
    assert source.token_hash == hash_token(body["token"])
    listed = api.get("/api/v1/intake-sources/").json()
    assert listed["count"] == 1 and "token" not in listed["results"][0]
    assert "token" not in api.get(f"/api/v1/intake-sources/{source.pk}/").json()
    rotated = api.post(f"/api/v1/intake-sources/{source.pk}/rotate/", {}, format="json").json()
    assert rotated["token"] != body["token"] and IntakeSource.objects.get(pk=source.pk).token_hash == hash_token(rotated["token"])
    deactivated = api.post(f"/api/v1/intake-sources/{source.pk}/deactivate/", {}, format="json").json()
    assert deactivated["is_active"] is False
    assert api.post(f"/api/v1/intake-sources/{source.pk}/rotate/", {}, format="json").status_code == 409
    # Not a client tech A serves; unknown fields; client users.
    refused = api.post(
        "/api/v1/intake-sources/", {"organization": world.client_b.pk, "kind": "zabbix", "name": "x"}, format="json"
    )
    assert refused.status_code == 400 and "organization" in refused.json()["error"]["fields"]
    assert (
        api.post(
            "/api/v1/intake-sources/",
            {"organization": world.client_a.pk, "kind": "zabbix", "name": "x", "token": "a"},
            format="json",
        ).status_code
        == 400
    )
    manager = api_as(world.manager_a)
    assert manager.get("/api/v1/intake-sources/").json()["count"] == 0
    assert manager.get(f"/api/v1/intake-sources/{source.pk}/").status_code == 404
    assert (
        manager.post(
            "/api/v1/intake-sources/", {"organization": world.client_a.pk, "kind": "zabbix", "name": "x"}, format="json"
        ).status_code
        == 400
    )
