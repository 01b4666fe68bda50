"""The catalog through the API: templates CRUD, the catalog, ordering, approvals, tasks, services."""

from __future__ import annotations

import pytest

from tests.conftest import World
from tests.test_api_support import api_as
from tests.test_catalog_requests import onboarding
from vigie.catalog import services as catalog_services
from vigie.catalog.models import RequestTemplate, ServiceRequest

pytestmark = pytest.mark.django_db


def test_request_templates_crud(world: World) -> None:
    admin = api_as(world.admin)
    body = {
        "name": "Accès VPN",
        "audience": "client",
        "organization": world.client_a.pk,
        "approval": "named",
        "approver": world.manager_a.pk,
        "is_published": True,
        "questions": [{"label": "Motif", "kind": "long_text", "required": True}, {"label": "Choix", "kind": "single_choice"}],
        "tasks": [{"title": "Créer le compte VPN", "group": world.group_a.pk}],
    }
    refused = admin.post("/api/v1/request-templates/", body, format="json")
    assert refused.status_code == 400 and "fields" in refused.json()["error"]["fields"]
    body["questions"][1]["choices"] = ["Oui", "Non"]
    created = admin.post("/api/v1/request-templates/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert [q["label"] for q in created.json()["questions"]] == ["Motif", "Choix"]
    patched = admin.patch(f"/api/v1/request-templates/{pk}/", {"tasks": []}, format="json")
    assert patched.status_code == 200 and patched.json()["tasks"] == []
    assert api_as(world.tech_a).patch(f"/api/v1/request-templates/{pk}/", {"name": "x"}, format="json").status_code == 403
    assert api_as(world.tech_b).get(f"/api/v1/request-templates/{pk}/").status_code == 404
    assert api_as(world.requester_a).post("/api/v1/request-templates/", {"name": "x"}, format="json").status_code == 403
    assert admin.post("/api/v1/request-templates/", {"name": "x", "typo": 1}, format="json").status_code == 400
    assert admin.delete(f"/api/v1/request-templates/{pk}/").status_code == 204
    assert not RequestTemplate.objects.exists()


def test_order_approve_and_finish_through_the_api(world: World) -> None:
    template = onboarding(world)
    fields = {f.label: f.pk for f in template.fields.all()}
    employee = api_as(world.requester_a)
    catalog = employee.get("/api/v1/catalog/").json()
    assert [item["name"] for item in catalog["results"]] == ["Arrivée d'un collaborateur"]
    assert api_as(world.requester_b).get(f"/api/v1/catalog/{template.pk}/").status_code == 404
    url = f"/api/v1/catalog/{template.pk}/order/"
    bad = employee.post(url, {"answers": {str(fields["Nombre d'écrans"]): "beaucoup"}}, format="json")
    assert bad.status_code == 400
    expected = {f"field_{fields[label]}" for label in ("Nom du collaborateur", "Date d'arrivée", "Nombre d'écrans")}
    assert set(bad.json()["error"]["fields"]) == expected
    answers = {str(fields["Nom du collaborateur"]): "Jeanne Roux", str(fields["Date d'arrivée"]): "2026-09-01"}
    ordered = employee.post(url, {"answers": answers}, format="json")
    assert ordered.status_code == 201, ordered.json()
    reference = ordered.json()["ticket"]
    assert ordered.json()["approval_state"] == "pending"
    pending = api_as(world.manager_a).get("/api/v1/catalog-requests/", {"awaiting_my_decision": "true"}).json()
    assert [r["ticket"] for r in pending["results"]] == [reference]
    assert employee.post(f"/api/v1/catalog-requests/{reference}/approve/", {}, format="json").status_code == 403
    assert api_as(world.requester_a2).post(f"/api/v1/catalog-requests/{reference}/approve/", {}, format="json").status_code == 404
    approved = api_as(world.manager_a).post(f"/api/v1/catalog-requests/{reference}/approve/", {"comment": "OK"}, format="json")
    assert approved.status_code == 200 and approved.json()["approval_state"] == "approved"
    again = api_as(world.manager_a).post(f"/api/v1/catalog-requests/{reference}/reject/", {"comment": "Non"}, format="json")
    assert again.status_code == 400
    tech = api_as(world.tech_a)
    tasks = tech.get(f"/api/v1/catalog-requests/{reference}/").json()["tasks"]
    assert [t["state"] for t in tasks] == ["open", "waiting", "waiting"]
    assert (
        employee.post(f"/api/v1/catalog-requests/{reference}/tasks/{tasks[0]['id']}/done/", {}, format="json").status_code == 403
    )
    for task in tasks:
        answer = tech.post(f"/api/v1/catalog-requests/{reference}/tasks/{task['id']}/done/", {"note": "fait"}, format="json")
        assert answer.status_code == 200
    assert answer.json()["ticket_status"] == "resolved"
    # The requester reads the answers and the progress, not the provider's notes.
    mine = employee.get(f"/api/v1/catalog-requests/{reference}/").json()
    assert mine["answers"][0]["text"] == "Jeanne Roux" and mine["tasks"][0] == {"title": "Compte Microsoft 365", "state": "done"}
    assert ServiceRequest.objects.get().ticket.reference == reference


def test_rejection_through_the_api_needs_a_reason(world: World) -> None:
    template = onboarding(world)
    fields = {f.label: f.pk for f in template.fields.all()}
    answers = {str(fields["Nom du collaborateur"]): "Jeanne Roux", str(fields["Date d'arrivée"]): "2026-09-01"}
    reference = (
        api_as(world.requester_a)
        .post(f"/api/v1/catalog/{template.pk}/order/", {"answers": answers}, format="json")
        .json()["ticket"]
    )
    manager = api_as(world.manager_a)
    assert manager.post(f"/api/v1/catalog-requests/{reference}/reject/", {}, format="json").status_code == 400
    rejected = manager.post(f"/api/v1/catalog-requests/{reference}/reject/", {"comment": "Budget gelé"}, format="json")
    assert rejected.json()["ticket_status"] == "cancelled" and rejected.json()["decision_comment"] == "Budget gelé"


def test_services_api_carries_objectives_and_policy(world: World) -> None:
    from vigie.sla import services as sla_services

    calendar = sla_services.create_calendar(by=world.admin, organization=world.client_a, name="H", is_24x7=True)
    policy = sla_services.create_policy(by=world.admin, organization=world.client_a, name="Contrat", calendar=calendar)
    service = catalog_services.create_service(by=world.admin, organization=world.client_a, name="Caisse")
    admin = api_as(world.admin)
    bad = admin.patch(f"/api/v1/services/{service.pk}/", {"rto_minutes": -5}, format="json")
    assert bad.status_code == 400 and "rto_minutes" in bad.json()["error"]["fields"]
    ok = admin.patch(
        f"/api/v1/services/{service.pk}/", {"rto_minutes": 240, "rpo_minutes": 60, "sla_policy": policy.pk}, format="json"
    )
    assert ok.status_code == 200 and (ok.json()["rto_minutes"], ok.json()["sla_policy"]) == (240, policy.pk)
