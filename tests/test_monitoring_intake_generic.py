"""The generic JSON webhook: its published JSON Schema, batches, replays with ``at``, and the
documented curl command against a live server."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.intake_support import make_source, post
from vigie.catalog import services as catalog_services
from vigie.cmdb import services as cmdb_services
from vigie.monitoring.intake import generic
from vigie.monitoring.models import Alert, AlertStatus, IntakeLog

URL = "/intake/generic/"


def alert(key: str, status: str = "firing", **fields: object) -> dict[str, object]:
    return {"key": key, "status": status, **fields}


@pytest.mark.django_db
def test_batch_with_links_labels_and_replays(client, world):
    _source, token = make_source(world, "generic")
    item = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="nas-01", ci_class="server")
    service = catalog_services.create_service(by=world.admin, organization=world.client_a, name="Sauvegardes")
    payload = {
        "alerts": [
            alert(
                "backup/nas-01",
                severity="critical",
                summary="Sauvegarde échouée",
                description="Code 12",
                ci="NAS-01",
                service="Sauvegardes",
                labels={"job": "nightly", "tries": 3, "ok": False},
                at="2025-03-01T02:00:00+01:00",
            ),
            alert("ups/battery", severity="info", at=1740790800),
        ]
    }
    response = post(client, URL, payload, token)
    assert response.json() == {"status": "ok", "received": 2, "applied": 2, "unchanged": 0}
    backup = Alert.objects.get(dedup_key="gen:backup/nas-01")
    assert (backup.configuration_item, backup.service, backup.severity) == (item, service, "critical")
    assert backup.labels == {"job": "nightly", "tries": "3", "ok": "False"} and backup.description == "Code 12"
    assert Alert.objects.get(dedup_key="gen:ups/battery").summary == "ups/battery"
    assert post(client, URL, payload, token).json()["unchanged"] == 2
    assert Alert.objects.get(dedup_key="gen:backup/nas-01").occurrences == 1
    resolved = {"alerts": [alert("backup/nas-01", "resolved", at="2025-03-01T03:00:00+01:00")]}
    post(client, URL, resolved, token)
    assert Alert.objects.get(dedup_key="gen:backup/nas-01").status == AlertStatus.RESOLVED
    # Without "at", each delivery is stamped on receipt and counts as a new occurrence.
    post(client, URL, {"alerts": [alert("noclock")]}, token)
    post(client, URL, {"alerts": [alert("noclock")]}, token)
    assert Alert.objects.get(dedup_key="gen:noclock").occurrences == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({}, "/"),
        ({"alerts": []}, "alerts"),
        ({"alerts": [alert("a"), alert("b", status="open")]}, "alerts/1/status"),
        ({"alerts": [alert("a", severity="urgent")]}, "alerts/0/severity"),
        ({"alerts": [alert("a", colour="red")]}, "alerts/0"),
        ({"alerts": [alert("a", labels={"x": {"y": 1}})]}, "alerts/0/labels/x"),
        ({"alerts": [alert(f"k{i}") for i in range(501)]}, "alerts"),
        ({"alerts": [alert("a"), alert("b", at="hier")]}, "alerts[1].at"),
    ],
)
def test_schema_errors_are_400_with_the_place(client, world, payload, where):
    _source, token = make_source(world, "generic")
    response = post(client, URL, payload, token)
    assert response.status_code == 400
    assert where in response.json()["error"]["message"]
    assert Alert.objects.count() == 0 and IntakeLog.objects.count() == 1


@pytest.mark.django_db
def test_the_schema_is_published_and_valid(client):
    from jsonschema import Draft202012Validator

    published = client.get("/intake/generic/schema.json").json()
    assert published == generic.schema()
    Draft202012Validator.check_schema(published)
    assert published["properties"]["alerts"]["maxItems"] == 500


@pytest.mark.django_db(transaction=True)
def test_the_documented_curl_command(world, live_server, tmp_path):
    _source, token = make_source(world, "generic")
    body = json.dumps({"alerts": [alert("printer/paper", severity="warning", summary="Plus de papier")]})
    done = subprocess.run(
        [
            "curl",
            "-sS",
            "-w",
            "\n%{http_code}",
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            body,
            f"{live_server.url}/intake/generic/",
        ],
        capture_output=True,
        check=True,
        timeout=30,
    )
    text, _newline, code = done.stdout.decode().rpartition("\n")
    assert code == "200" and json.loads(text)["applied"] == 1
    assert Alert.objects.get(dedup_key="gen:printer/paper").summary == "Plus de papier"
    # The token in the path, for tools that cannot set a header.
    done = subprocess.run(
        [
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--data-binary",
            body,
            f"{live_server.url}/intake/generic/{token}/",
        ],
        capture_output=True,
        check=True,
        timeout=30,
    )
    assert done.stdout == b"200"
