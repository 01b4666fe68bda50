"""The change API: create, edit, the flow's actions, approvals (403 for the wrong person), templates, freezes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.changes_support import WINDOW_START, answers, awaiting, draft, make_cab
from tests.test_api_support import api_as, error_fields, results
from vigie.changes.models import Change, ChangeStatus, FreezePeriod
from vigie.servicedesk import services as desk_services

pytestmark = pytest.mark.django_db


def _window(start=WINDOW_START):
    return {"planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=2)).isoformat()}


def test_create_edit_and_run_a_normal_change(world):
    cab = make_cab(world)
    tech, manager = api_as(world.tech_a), api_as(cab.cm1)
    payload = {
        "organization": world.client_a.pk,
        "title": "Remplacement du pare-feu",
        "reason": "Fin de support",
        "implementation_plan": "Installer le nouveau boîtier",
        "backout_plan": "Rebrancher l'ancien",
        "services": [cab.service_a.pk],
        "client_approval": "not_required",
        **_window(),
    }
    response = tech.post("/api/v1/changes/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("CHG-") and body["status"] == "draft" and body["services"] == [cab.service_a.pk]
    url = f"/api/v1/changes/{body['id']}/"
    assert tech.patch(url, {"title": "Remplacement du pare-feu principal"}, format="json").json()["title"].endswith("principal")
    assert tech.post(url + "submit/", {}, format="json").json()["status"] == "submitted"
    assert tech.post(url + "assess/", {}, format="json").status_code == 403
    assert manager.post(url + "assess/", {}, format="json").json()["status"] == "assessment"
    refused = manager.post(url + "request-approval/", {}, format="json")
    assert refused.status_code == 400 and "risk_level" in error_fields(refused)
    risk = manager.post(url + "risk/", {"answers": {str(k): v for k, v in answers("low").items()}}, format="json")
    assert risk.json()["risk_level"] == "low"
    assert manager.post(url + "request-approval/", {}, format="json").json()["status"] == "awaiting_approval"
    approved = manager.post(url + "approve/", {"comment": "Go"}, format="json").json()
    assert approved["status"] == "approved" and approved["approvals"][0]["comment"] == "Go"
    assert manager.post(url + "schedule/", {}, format="json").json()["status"] == "scheduled"
    assert tech.post(url + "start/", {}, format="json").json()["status"] == "in_progress"
    assert tech.post(url + "fail/", {}, format="json").json()["status"] == "failed"
    assert tech.post(url + "back-out/", {}, format="json").json()["status"] == "backed_out"
    assert manager.post(url + "close/", {}, format="json").status_code == 400  # a back-out is reviewed first
    incident = desk_services.open_ticket(by=world.requester_a, organization=world.client_a, title="Plus d'internet")
    linked = tech.post(url + "incidents/", {"add": [incident.reference]}, format="json").json()
    assert linked["caused_incidents"] == [incident.reference]
    reviewed = manager.post(url + "review/", {"outcome": "unsuccessful", "notes": "Tester le VPN avant"}, format="json")
    assert reviewed.json()["status"] == "in_review"
    assert manager.post(url + "close/", {}, format="json").json()["status"] == "closed"


def test_bad_input_names_the_field(world):
    tech = api_as(world.tech_a)
    response = tech.post(
        "/api/v1/changes/",
        {"organization": world.client_a.pk, "title": "x", "planned_start": WINDOW_START.isoformat(), "typo": 1},
        format="json",
    )
    assert response.status_code == 400 and "typo" in error_fields(response)
    response = tech.post(
        "/api/v1/changes/",
        {"organization": world.client_a.pk, "title": "x", "planned_start": WINDOW_START.isoformat()},
        format="json",
    )
    assert response.status_code == 400 and "planned_end" in error_fields(response)
    assert Change.objects.count() == 0


def test_approval_without_the_right_is_403_on_a_visible_change(world):
    cab = make_cab(world)
    change = awaiting(world, cab)
    url = f"/api/v1/changes/{change.pk}/approve/"
    for user in (world.tech_a, world.admin, world.it_contact_a):
        response = api_as(user).post(url, {}, format="json")
        assert response.status_code == 403, user
    for user in (world.manager_b, world.requester_a, world.tech_b, cab.cm_b):
        assert api_as(user).post(url, {}, format="json").status_code == 404, user
    assert api_as(world.manager_a).post(url, {}, format="json").status_code == 200  # the client manager approves
    assert api_as(world.manager_a).post(url, {}, format="json").status_code == 400  # once
    assert change.approvals.count() == 1


def test_reject_needs_a_comment_and_rejects(world):
    cab = make_cab(world)
    change = awaiting(world, cab)
    url = f"/api/v1/changes/{change.pk}/reject/"
    response = api_as(cab.cm1).post(url, {}, format="json")
    assert response.status_code == 400 and "comment" in error_fields(response)
    assert api_as(cab.cm1).post(url, {"comment": "Trop risqué"}, format="json").json()["status"] == "rejected"


def test_freeze_schedule_override_through_the_api(world):
    cab = make_cab(world)
    manager = api_as(cab.cm1)
    freeze = manager.post(
        "/api/v1/freeze-periods/",
        {
            "organization": world.provider.pk,
            "name": "Soldes",
            "starts_at": WINDOW_START.isoformat(),
            "ends_at": (WINDOW_START + timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert freeze.status_code == 201, freeze.content
    assert api_as(world.tech_a).post("/api/v1/freeze-periods/", {}, format="json").status_code == 403
    change = awaiting(world, cab, client_approval="not_required")
    url = f"/api/v1/changes/{change.pk}/"
    body = manager.post(url + "approve/", {}, format="json").json()
    assert body["freezes"] == ["Soldes"]
    refused = manager.post(url + "schedule/", {}, format="json")
    assert refused.status_code == 400 and "planned_start" in error_fields(refused)
    done = manager.post(url + "schedule/", {"override_freeze": True, "override_reason": "Correctif urgent"}, format="json")
    assert done.status_code == 200 and done.json()["freeze_override_by"] == cab.cm1.pk


def test_templates_and_lists(world):
    cab = make_cab(world)
    manager = api_as(cab.cm1)
    response = manager.post(
        "/api/v1/change-templates/",
        {"organization": world.provider.pk, "name": "Ajout d'un utilisateur", "implementation_plan": "Créer le compte"},
        format="json",
    )
    assert response.status_code == 201, response.content
    template_id = response.json()["id"]
    created = api_as(world.tech_a).post(
        "/api/v1/changes/",
        {"organization": world.client_a.pk, "title": "Compte pour Léa", "type": "standard", "template": template_id, **_window()},
        format="json",
    )
    assert created.status_code == 201 and created.json()["implementation_plan"] == "Créer le compte"
    submitted = api_as(world.tech_a).post(f"/api/v1/changes/{created.json()['id']}/submit/", {}, format="json")
    assert submitted.json()["status"] == "approved"
    draft(world, title="Brouillon")
    listed = results(api_as(world.tech_a).get("/api/v1/changes/", {"status": "approved"}))
    assert [c["title"] for c in listed] == ["Compte pour Léa"]
    assert results(api_as(world.manager_a).get("/api/v1/changes/")) != []  # the client manager reads the company's
    assert results(api_as(world.requester_a).get("/api/v1/changes/")) == []
    assert results(api_as(world.tech_b).get("/api/v1/changes/")) == []


def test_only_drafts_are_deleted(world):
    cab = make_cab(world)
    change = draft(world)
    assert api_as(world.tech_a).delete(f"/api/v1/changes/{change.pk}/").status_code == 204
    change = awaiting(world, cab)
    assert api_as(world.tech_a).delete(f"/api/v1/changes/{change.pk}/").status_code == 400
    assert Change.objects.filter(pk=change.pk, status=ChangeStatus.AWAITING_APPROVAL).exists()
    assert FreezePeriod.objects.count() == 0
