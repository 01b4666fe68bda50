"""The OpenAPI schema generates cleanly and the API documentation is served locally."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from tests.conftest import World
from tests.test_api_support import api_as

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"
    # --fail-on-warn turns any schema warning (unknown type, enum clash, unresolved auth) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    assert "/api/v1/tickets/{reference}/resolve/" in paths
    assert "/api/v1/tickets/{ticket_reference}/attachments/{id}/download/" in paths
    assert "multipart/form-data" in paths["/api/v1/tickets/{ticket_reference}/attachments/"]["post"]["requestBody"]["content"]
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    # Errors are documented with the one error format.
    assert set(schema["components"]["schemas"]["Error"]["properties"]["error"]["required"]) == {
        "code",
        "message",
        "status",
        "fields",
    }
    resolve = paths["/api/v1/tickets/{reference}/resolve/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404"} <= set(resolve)
    assert resolve["404"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


def test_schema_endpoint_needs_no_login_and_is_json_on_request(client: Client, db: None) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Vigie API"


def test_swagger_ui_is_served_from_local_static_files(world: World) -> None:
    client = Client()
    client.force_login(world.tech_a, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_browsable_root_lists_the_resources(world: World) -> None:
    body = api_as(world.tech_a).get("/api/v1/").json()
    assert {"tickets", "organizations", "users", "groups", "categories", "priority-matrix", "tokens", "sites"} <= set(body)
