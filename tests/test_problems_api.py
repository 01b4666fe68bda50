"""/api/v1/problems/ and /api/v1/known-errors/: the whole flow through the API, roles, bad input
naming the field, cross-client links refused, another tenant's problem a 404, constant queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import World, make_user
from tests.test_api_support import api_as, error_fields, ticket_of
from vigie.accounts.models import User
from vigie.problems import services
from vigie.problems.models import Problem, ProblemStatus
from vigie.servicedesk import services as ticket_services
from vigie.servicedesk.models import Comment, TicketStatus
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def pm(world: World) -> User:
    user = make_user("paula.problem@durand.test", world.provider, Role.PROBLEM_MANAGER)
    world.group_a.members.add(user)
    return user


def test_the_whole_flow_through_the_api(world, pm):
    first, second = ticket_of(world), ticket_of(world, title="Deuxième", by=world.requester_a2)
    api = api_as(pm)
    created = api.post(
        "/api/v1/problems/",
        {"organization": world.client_a.pk, "title": "Imprimantes", "incidents": [first.reference.lower()], "impact": 1},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    reference = body["reference"]
    assert created["Location"] == f"/api/v1/problems/{reference}/"
    assert [i["reference"] for i in body["incidents"]] == [first.reference]
    url = f"/api/v1/problems/{reference}"
    assert api.post(f"{url}/investigate/", {}, format="json").json()["status"] == ProblemStatus.INVESTIGATING
    response = api.post(f"{url}/record-root-cause/", {"root_cause": "Pilote 4.2"}, format="json")
    assert response.json()["status"] == ProblemStatus.ROOT_CAUSE_KNOWN
    response = api.post(
        f"{url}/publish-known-error/",
        {"symptoms": "File bloquée", "workaround": "Redémarrer le spouleur", "notify_requesters": True},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["known_error"]["workaround"] == "Redémarrer le spouleur"
    assert Comment.objects.filter(ticket=first, is_internal=True).count() == 1
    # A technician links the second incident later: it gets the workaround too.
    response = api_as(world.tech_a).post(f"{url}/link-incidents/", {"incidents": [second.reference]}, format="json")
    assert response.status_code == 200
    assert Comment.objects.filter(ticket=second, is_internal=True, body__contains="spouleur").count() == 1
    assert Comment.objects.filter(ticket=second, is_internal=False).count() == 1
    known = api_as(world.tech_a).get("/api/v1/known-errors/", {"search": "spouleur"}).json()
    assert known["count"] == 1 and known["results"][0]["problem"] == reference
    response = api.post(f"{url}/resolve/", {"resolution": "Pilote 4.3", "resolve_incidents": True}, format="json")
    assert response.json()["status"] == ProblemStatus.RESOLVED
    first.refresh_from_db()
    assert first.status == TicketStatus.RESOLVED and first.resolution == "Pilote 4.3"
    assert api.get("/api/v1/known-errors/", {"status": "fixed"}).json()["count"] == 1
    assert api.post(f"{url}/close/", {}, format="json").json()["status"] == ProblemStatus.CLOSED


def test_roles_and_bad_input(world, pm):
    ticket = ticket_of(world)
    tech = api_as(world.tech_a)
    refused = tech.post("/api/v1/problems/", {"organization": world.client_a.pk, "title": "Non"}, format="json")
    assert refused.status_code == 403
    api = api_as(pm)
    response = api.post("/api/v1/problems/", {"organization": world.client_a.pk, "title": "", "titel": "x"}, format="json")
    assert response.status_code == 400 and {"title", "titel"} <= set(error_fields(response))
    problem = services.create_problem(by=pm, organization=world.client_a, title="Lenteurs")
    url = f"/api/v1/problems/{problem.reference}"
    assert tech.post(f"{url}/investigate/", {}, format="json").status_code == 403
    assert tech.patch(f"{url}/", {"title": "Autre"}, format="json").status_code == 403
    response = api.post(f"{url}/publish-known-error/", {"symptoms": "s", "workaround": "w"}, format="json")
    assert response.status_code == 400 and "status" in error_fields(response)
    response = api.post(f"{url}/resolve/", {"resolution": "  "}, format="json")
    assert response.status_code == 400 and "resolution" in error_fields(response)
    # Linking an incident of another client: the admin sees it, the service refuses it by name.
    admin = api_as(world.admin)
    foreign = ticket_services.open_ticket(by=world.requester_b, organization=world.client_b, title="Cabinet")
    response = admin.post(f"{url}/link-incidents/", {"incidents": [foreign.reference]}, format="json")
    assert response.status_code == 400 and "another client" in error_fields(response)["incidents"][0]
    # The problem manager who does not serve client B: the incident does not exist for them.
    response = api.post(f"{url}/link-incidents/", {"incidents": [foreign.reference]}, format="json")
    assert response.status_code == 400 and "incidents" in error_fields(response)
    assert problem.incidents.count() == 0
    response = api.patch(f"{url}/", {"status": "closed"}, format="json")
    assert response.status_code == 400 and "status" in error_fields(response)
    assert tech.post(f"{url}/link-incidents/", {"incidents": [ticket.reference]}, format="json").status_code == 200


def test_another_tenant_and_client_users_get_404(world, pm):
    problem = services.create_problem(by=pm, organization=world.client_a, title="Secret")
    url = f"/api/v1/problems/{problem.reference}/"
    for user in (world.tech_b, world.manager_a, world.requester_a, world.manager_b):
        client = api_as(user)
        assert client.get(url).status_code == 404
        assert client.post(f"{url}close/", {}, format="json").status_code == 404
        assert client.get("/api/v1/problems/").json()["count"] == 0
    assert api_as(world.tech_a).get(url).status_code == 200
    assert api_as(world.tech_a).get("/api/v1/problems/PRB-999999/").status_code == 404


def test_list_filters_and_constant_queries(world, pm):
    api = api_as(world.admin)
    problem = services.create_problem(by=pm, organization=world.client_a, title="Avec", manager=pm)
    services.link_incidents(problem, by=pm, incidents=[ticket_of(world)])
    services.create_problem(by=world.admin, organization=world.client_b, title="Chez Lefèvre")
    assert api.get("/api/v1/problems/", {"client": "lefevre"}).json()["count"] == 1
    assert api.get("/api/v1/problems/", {"manager": pm.pk}).json()["results"][0]["title"] == "Avec"
    assert api.get("/api/v1/problems/", {"has_workaround": "true"}).json()["count"] == 0
    assert api.get("/api/v1/problems/", {"status": "new,cancelled"}).status_code == 200
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/v1/problems/").status_code == 200
    for index in range(6):
        extra = services.create_problem(by=pm, organization=world.client_a, title=f"Problème {index}", manager=pm)
        services.link_incidents(extra, by=pm, incidents=[ticket_of(world, title=f"Incident {index}")])
    with CaptureQueriesContext(connection) as many:
        assert api.get("/api/v1/problems/").json()["count"] == 8
    assert len(many.captured_queries) == len(few.captured_queries)
    assert Problem.objects.count() == 8


def test_resolve_names_the_change_by_reference(world, pm):
    from vigie.changes import services as change_services

    problem = services.create_problem(by=pm, organization=world.client_a, title="Lenteurs")
    fix = change_services.create_change(by=world.tech_a, organization=world.client_a, title="Mise à jour")
    foreign = change_services.create_change(by=world.tech_b, organization=world.client_b, title="Autre")
    api = api_as(pm)
    url = f"/api/v1/problems/{problem.reference}/resolve/"
    response = api.post(url, {"resolution": "Corrigé", "change": foreign.reference}, format="json")
    assert response.status_code == 400 and "change" in error_fields(response)
    response = api.post(url, {"resolution": "Corrigé", "change": fix.reference}, format="json")
    assert response.status_code == 200 and response.json()["resolving_change"] == fix.reference
