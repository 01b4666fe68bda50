"""POST /api/v1/imports/ (multipart) and the reports of past runs: staff serving the client only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import World
from tests.test_api_support import api_as, error_fields, results
from vigie.servicedesk.importing import batches as import_batches
from vigie.servicedesk.models import Ticket, TicketImport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_by_default(settings: Any) -> None:
    """Messages follow the installation's language; pin it, so the assertions on English text
    hold whatever the French catalog says."""
    settings.LANGUAGE_CODE = "en"


DOCS = Path(__file__).resolve().parent.parent / "docs" / "import"
MAPPING = "fields: {reference: Ref, title: Title, opened_at: Opened, status: {column: Status, values: {Done: closed}}, closed_at: Closed}"
CSV = (
    "Ref,Title,Opened,Closed,Status\n"
    "A-1,Imprimante,2024-01-02T09:00:00,2024-01-03T09:00:00,Done\n"
    "A-2,Écran,2024-01-02T10:00:00,,Lost\n"
)


def csv_file(text: str = CSV, name: str = "export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def post(user: Any, **data: Any) -> Any:
    payload = {"file": csv_file(), "organization": "martin", "mapping": MAPPING, **data}
    return api_as(user).post("/api/v1/imports/", payload, format="multipart")


def test_import_answers_201_with_the_report(world: World) -> None:
    response = post(world.tech_a)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organization"]["slug"] == "martin" and body["by"]["email"] == world.tech_a.email
    assert (body["filename"], body["rows"], body["created"], body["updated"], body["rejected"]) == ("export.csv", 2, 1, 0, 1)
    assert body["rejected_lines"] == [3] and body["dry_run"] is False and body["interrupted"] is False
    problem = body["problems"][0]
    assert (problem["line"], problem["level"], problem["field"], problem["column"], problem["reference"]) == (
        3,
        "error",
        "status",
        "Status",
        "A-2",
    )
    assert "Lost" in problem["message"]
    assert Ticket.objects.get().external_reference == "A-1"
    # Read back, as a list and one by one.
    listed = results(api_as(world.tech_a).get("/api/v1/imports/"))
    assert [item["id"] for item in listed] == [body["id"]]
    detail = api_as(world.admin).get(f"/api/v1/imports/{body['id']}/")
    assert detail.status_code == 200 and detail.json()["problems"] == body["problems"]


def test_reimport_through_the_api_updates(world: World) -> None:
    post(world.admin)
    response = post(world.admin, organization=str(world.client_a.pk))
    assert (response.json()["created"], response.json()["updated"]) == (0, 1)
    assert Ticket.objects.count() == 1


def test_mapping_as_an_uploaded_file_and_the_example_mappings(world: World) -> None:
    for name in ("servicenow", "glpi", "zammad"):
        data = {
            "file": SimpleUploadedFile(f"{name}.csv", (DOCS / f"{name}.csv").read_bytes()),
            "organization": "martin",
            "mapping_file": SimpleUploadedFile(f"{name}.yaml", (DOCS / f"{name}.yaml").read_bytes()),
        }
        response = api_as(world.admin).post("/api/v1/imports/", data, format="multipart")
        assert response.status_code == 201, response.content
        assert (response.json()["created"], response.json()["rejected"]) == (4, 0)
    assert Ticket.objects.count() == 12


def test_dry_run_answers_200_and_writes_nothing(world: World) -> None:
    response = post(world.admin, dry_run="true")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["dry_run"], body["created"], body["rejected_lines"]) == (None, True, 1, [3])
    assert Ticket.objects.count() == 0 and TicketImport.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"mapping": "fields: {reference: Ref}"}, "mapping", "fields.title"),
        ({"mapping": "fields: {reference: Ref, title: Titre, opened_at: Opened}"}, "file", "“Titre” (title)"),
        ({"mapping_file": SimpleUploadedFile("m.yaml", MAPPING.encode())}, "mapping", "either as text"),
        ({"colour": "blue"}, "colour", "Unknown field"),
    ],
)
def test_fatal_errors_answer_400_and_write_nothing(world: World, data: dict[str, Any], field: str, expected: str) -> None:
    response = post(world.admin, **data)
    assert response.status_code == 400, response.content
    assert any(expected in message for message in error_fields(response)[field]), response.json()
    assert Ticket.objects.count() == 0 and TicketImport.objects.count() == 0


def test_a_file_in_another_encoding_answers_400_naming_the_line(world: World) -> None:
    response = post(world.admin, file=SimpleUploadedFile("x.csv", CSV.replace("Écran", "Problème").encode("cp1252")))
    assert response.status_code == 400
    assert "line 3" in error_fields(response)["file"][0]
    assert TicketImport.objects.count() == 0


def test_file_over_the_limit_is_refused(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr("vigie.api.views.imports.MAX_IMPORT_BYTES", 100)
    response = post(world.admin)
    assert response.status_code == 400
    assert "too large" in error_fields(response)["file"][0]
    assert TicketImport.objects.count() == 0


def test_outsiders_cannot_import_or_read(world: World) -> None:
    post(world.tech_a)
    report = TicketImport.objects.get()
    # A technician who does not serve the client: the client does not exist for them.
    for organization in ("martin", str(world.client_a.pk)):
        response = post(world.tech_b, organization=organization)
        assert response.status_code == 404 and response.json()["error"]["status"] == 404
    assert post(world.admin, organization="durand").status_code == 404  # the provider is not a client
    assert post(world.admin, organization="nobody").status_code == 404
    # Client users: importing is staff work; reports are not theirs to see.
    for user in (world.manager_a, world.requester_a, world.requester_b):
        assert post(user).status_code == 403
        assert api_as(user).get(f"/api/v1/imports/{report.pk}/").status_code == 404
        assert results(api_as(user).get("/api/v1/imports/")) == []
    assert api_as(world.tech_b).get(f"/api/v1/imports/{report.pk}/").status_code == 404
    assert results(api_as(world.tech_b).get("/api/v1/imports/")) == []
    assert TicketImport.objects.count() == 1 and Ticket.objects.count() == 1


def test_an_interrupted_import_answers_500_with_the_report_number(world: World, monkeypatch: Any) -> None:
    def failing(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_batches, "create", failing)
    response = post(world.admin)
    assert response.status_code == 500
    report = TicketImport.objects.get()
    error = response.json()["error"]
    assert error["code"] == "import_interrupted" and f"#{report.pk}" in error["message"] and "disk full" in error["message"]
    detail = api_as(world.admin).get(f"/api/v1/imports/{report.pk}/").json()
    assert detail["interrupted"] is True and detail["created"] == 0 and detail["rejected"] == 2
