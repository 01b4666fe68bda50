"""The problem pages: list with filters (and constant queries), creation from picked incidents,
the actions of the detail page, the known error base and the panel of the ticket page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import World, make_user
from vigie.accounts.models import User
from vigie.problems import lifecycle, services
from vigie.problems.models import KnownError, Problem, ProblemStatus
from vigie.servicedesk import services as ticket_services
from vigie.servicedesk.models import Comment, Ticket, TicketStatus
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


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def incident(world: World, title: str = "Imprimante bloquée") -> Ticket:
    return ticket_services.open_ticket(by=world.requester_a, organization=world.client_a, title=title)


def test_create_from_picked_incidents(world, pm, login):
    first, second = incident(world), incident(world, "Impression impossible")
    client = login(pm)
    picker = client.get("/desk/problems/incidents/", {"client": world.client_a.pk})
    assert picker.status_code == 200
    assert first.reference in text(picker) and second.reference in text(picker)
    # The picker submits the chosen incidents to the creation page (GET), which prefills the form.
    form = client.get("/desk/problems/new/", {"incident": [first.reference, second.reference]})
    assert form.status_code == 200
    assert f"{first.reference}, {second.reference}" in text(form)
    response = client.post(
        f"/desk/problems/new/?organization={world.client_a.pk}",
        {
            "title": "Imprimantes de l atelier",
            "impact": "2",
            "urgency": "2",
            "incidents": f"{first.reference} {second.reference}",
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/problems/{problem.reference}/"
    assert set(problem.incidents.all()) == {first, second}
    page = client.get(response["Location"])
    assert "Imprimantes de l atelier" in text(page) and first.reference in text(page)


def test_bad_input_is_a_form_error_and_nothing_is_written(world, pm, login):
    theirs = ticket_services.open_ticket(by=world.requester_b, organization=world.client_b, title="Cabinet")
    client = login(world.admin)
    response = client.post(
        f"/desk/problems/new/?organization={world.client_a.pk}",
        {"title": "", "impact": "2", "urgency": "2", "incidents": theirs.reference},
    )
    assert response.status_code == 422
    assert "This field is required." in text(response)
    response = client.post(
        f"/desk/problems/new/?organization={world.client_a.pk}",
        {"title": "Mélange", "impact": "2", "urgency": "2", "incidents": theirs.reference},
    )
    assert response.status_code == 422 and "belongs to another client" in text(response)
    # The same reference as seen by a technician who does not serve client B: it does not exist.
    assert Problem.objects.count() == 0


def test_technicians_read_and_link_but_do_not_manage(world, pm, login):
    problem = services.create_problem(by=pm, organization=world.client_a, title="Messagerie lente")
    ticket = incident(world)
    client = login(world.tech_a)
    assert client.get("/desk/problems/new/").status_code == 200  # the list of clients they may manage: none
    assert client.get(f"/desk/problems/new/?organization={world.client_a.pk}").status_code == 403
    page = text(client.get(f"/desk/problems/{problem.reference}/"))
    assert "Record the root cause" not in page and "Start investigation" not in page
    assert client.post(f"/desk/problems/{problem.reference}/status/", {"action": "investigate"}).status_code == 422
    response = client.post(f"/desk/problems/{problem.reference}/link/", {"incidents": ticket.reference.lower()})
    assert response.status_code == 302
    assert list(problem.incidents.all()) == [ticket]
    response = client.post(f"/desk/problems/{problem.reference}/link/", {"incidents": "INC-999999"})
    assert response.status_code == 422 and "Unknown incident: INC-999999" in text(response)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.NEW


def test_the_lifecycle_from_the_detail_page(world, pm, login):
    tickets = [incident(world), incident(world, "Deuxième")]
    problem = services.create_problem_from_incidents(by=pm, incidents=tickets)
    client = login(pm)
    url = f"/desk/problems/{problem.reference}"
    assert client.post(f"{url}/status/", {"action": "investigate"}).status_code == 302
    response = client.post(f"{url}/known-error/", {"symptoms": "Bloqué", "workaround": "Redémarrer"})
    assert response.status_code == 422 and "Record the root cause before publishing" in text(response)
    assert client.post(f"{url}/root-cause/", {"root_cause": "Pilote 4.2"}).status_code == 302
    response = client.post(
        f"{url}/known-error/", {"symptoms": "Bloqué", "workaround": "Redémarrer le spouleur", "notify_requesters": "on"}
    )
    assert response.status_code == 302
    assert "the workaround was sent to 2 incidents" in text(client.get(response["Location"]))
    for ticket in tickets:
        assert Comment.objects.filter(ticket=ticket, is_internal=True, body__contains="Redémarrer le spouleur").count() == 1
        assert Comment.objects.filter(ticket=ticket, is_internal=False).count() == 1
    response = client.post(
        f"{url}/resolve/", {"resolution": "Pilote 4.3", "resolve_incidents": "on", "incident_resolution": "Corrigé"}
    )
    assert response.status_code == 302
    assert set(Ticket.objects.values_list("status", flat=True)) == {TicketStatus.RESOLVED}
    assert client.post(f"{url}/status/", {"action": "close"}).status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED
    assert "Mark as resolved" not in text(client.get(f"{url}/"))


def test_unlink_and_edit(world, pm, login):
    ticket = incident(world)
    problem = services.create_problem_from_incidents(by=pm, incidents=[ticket])
    client = login(pm)
    url = f"/desk/problems/{problem.reference}"
    assert client.post(f"{url}/unlink/", {"incident": ticket.reference}).status_code == 302
    assert problem.incidents.count() == 0
    response = client.post(f"{url}/edit/", {"title": "Nouveau titre", "impact": "1", "urgency": "1", "manager": pm.pk})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.title == "Nouveau titre" and problem.priority == 1 and problem.manager == pm
    response = client.post(f"{url}/edit/", {"title": "x", "impact": "1", "urgency": "1", "manager": world.tech_a.pk})
    assert response.status_code == 422


def test_list_filters_and_constant_queries(world, pm, login):
    with_workaround = services.create_problem(by=pm, organization=world.client_a, title="Avec contournement", manager=pm)
    lifecycle.record_root_cause(with_workaround, by=pm, root_cause="Cause", workaround="Contourner")
    services.create_problem(by=pm, organization=world.client_a, title="Sans contournement")
    services.create_problem(by=world.admin, organization=world.client_b, title="Chez Lefèvre")
    client = login(world.admin)
    page = text(client.get("/desk/problems/"))
    assert "Avec contournement" in page and "Sans contournement" in page and "Chez Lefèvre" in page
    page = text(client.get("/desk/problems/", {"workaround": "yes"}))
    assert "Avec contournement" in page and "Sans contournement" not in page
    page = text(client.get("/desk/problems/", {"client": world.client_b.pk}))
    assert "Chez Lefèvre" in page and "Avec contournement" not in page
    page = text(client.get("/desk/problems/", {"status": "root_cause_known", "manager": pm.pk}))
    assert "Avec contournement" in page and "Sans contournement" not in page
    # tech_a only sees client A's problems.
    assert "Chez Lefèvre" not in text(login(world.tech_a).get("/desk/problems/"))
    client = login(world.admin)
    client.get("/desk/problems/")
    with CaptureQueriesContext(connection) as few:
        client.get("/desk/problems/")
    for index in range(8):
        problem = services.create_problem(by=pm, organization=world.client_a, title=f"Problème {index}", manager=pm)
        services.link_incidents(problem, by=pm, incidents=[incident(world, f"Incident {index}")])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/desk/problems/")
    assert "Problème 7" in text(response)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_known_error_base_search(world, pm, login):
    problem = services.create_problem_from_incidents(by=pm, incidents=[incident(world)])
    lifecycle.record_root_cause(problem, by=pm, root_cause="Pilote défectueux")
    lifecycle.publish_known_error(problem, by=pm, symptoms="File d'impression bloquée", workaround="Redémarrer le spouleur")
    client = login(world.tech_a)
    assert "Redémarrer le spouleur" in text(client.get("/desk/problems/known-errors/", {"q": "spouleur"}))
    assert "Redémarrer le spouleur" in text(client.get("/desk/problems/known-errors/", {"q": "pilote"}))
    assert "No known error matches." in text(client.get("/desk/problems/known-errors/", {"q": "messagerie"}))
    assert "Redémarrer le spouleur" not in text(login(world.tech_b).get("/desk/problems/known-errors/"))
    assert KnownError.objects.count() == 1


def test_ticket_page_panel_shows_the_workaround_and_links(world, pm, login):
    ticket = incident(world)
    problem = services.create_problem(by=pm, organization=world.client_a, title="Imprimantes")
    client = login(world.tech_a)
    page = text(client.get(f"/desk/tickets/{ticket.reference}/"))
    assert "No problem is linked to this incident." in page and problem.reference in page
    assert "Create a problem from this incident" not in page  # technicians do not open problems
    response = client.post(f"/desk/problems/tickets/{ticket.reference}/link/", {"problem": problem.reference})
    assert response.status_code == 302 and list(ticket.problems.all()) == [problem]
    lifecycle.record_root_cause(problem, by=pm, root_cause="Pilote")
    lifecycle.publish_known_error(problem, by=pm, symptoms="Bloqué", workaround="Redémarrer le spouleur")
    page = text(client.get(f"/desk/tickets/{ticket.reference}/"))
    assert f"Known error {problem.reference}: workaround" in page and "Redémarrer le spouleur" in page
    assert "Create a problem from this incident" in text(login(pm).get(f"/desk/tickets/{ticket.reference}/"))
    other = services.create_problem(by=world.admin, organization=world.client_b, title="Autre client")
    response = login(world.admin).post(f"/desk/problems/tickets/{ticket.reference}/link/", {"problem": other.reference})
    assert response.status_code == 302 and list(ticket.problems.all()) == [problem]


def test_picker_links_to_an_existing_problem(world, pm, login):
    problem = services.create_problem(by=pm, organization=world.client_a, title="Imprimantes")
    first, second = incident(world), incident(world, "Deuxième")
    client = login(world.tech_a)
    response = client.post(
        "/desk/problems/incidents/link/", {"problem": problem.reference, "incident": [first.reference, second.reference]}
    )
    assert response.status_code == 302
    assert set(problem.incidents.all()) == {first, second}
    foreign = services.create_problem(by=world.admin, organization=world.client_b, title="Autre")
    assert client.post("/desk/problems/incidents/link/", {"problem": foreign.reference}).status_code == 404


def test_resolve_form_offers_the_clients_changes(world, pm, login):
    from vigie.changes import services as change_services

    problem = services.create_problem(by=pm, organization=world.client_a, title="Lenteurs")
    fix = change_services.create_change(by=world.tech_a, organization=world.client_a, title="Mise à jour du pilote")
    client = login(pm)
    page = text(client.get(f"/desk/problems/{problem.reference}/"))
    assert "Mise à jour du pilote" in page
    response = client.post(f"/desk/problems/{problem.reference}/resolve/", {"resolution": "Corrigé", "change": fix.pk})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.resolving_change == fix
    assert fix.reference in text(client.get(f"/desk/problems/{problem.reference}/"))
