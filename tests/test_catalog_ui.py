"""The catalog's pages: service read page, template editor, portal catalog, approvals, tasks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from tests.conftest import World, make_user
from tests.test_catalog_requests import onboarding
from vigie.catalog import services as catalog_services
from vigie.catalog.models import ApprovalState, RequestTemplate, ServiceRequest, TaskState
from vigie.cmdb import services as cmdb_services
from vigie.servicedesk import services as desk
from vigie.servicedesk.models import TicketStatus
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """These tests read the English wording (the French one is checked by the catalog tests)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def text(response: Any) -> str:
    return response.content.decode()


def test_business_service_objectives_policy_and_read_page(world: World, login: Any) -> None:
    from vigie.sla import services as sla_services

    calendar = sla_services.create_calendar(by=world.admin, organization=world.client_a, name="H", is_24x7=True)
    policy = sla_services.create_policy(by=world.admin, organization=world.client_a, name="Contrat or", calendar=calendar)
    other = sla_services.create_calendar(by=world.admin, organization=world.client_b, name="H", is_24x7=True)
    foreign = sla_services.create_policy(by=world.admin, organization=world.client_b, name="Contrat B", calendar=other)
    client = login(world.admin)
    url = f"/desk/services/new/?organization={world.client_a.pk}"
    data = {
        "name": "Caisse",
        "criticality": "1",
        "rto_minutes": "abc",
        "rpo_minutes": "",
        "sla_policy": str(foreign.pk),
        "is_active": "on",
    }
    refused = client.post(url, data)
    assert refused.status_code == 422 and "hours:minutes" in text(refused)
    with pytest.raises(Exception) as caught:
        catalog_services.create_service(by=world.admin, organization=world.client_a, name="X", sla_policy=foreign, rto_minutes=-1)
    assert {"sla_policy", "rto_minutes"} <= set(caught.value.message_dict)  # type: ignore[attr-defined]
    with pytest.raises(Exception) as caught:
        catalog_services.create_service(by=world.admin, organization=world.client_a, name="X", owner=world.requester_a)
    assert "owner" in caught.value.message_dict  # type: ignore[attr-defined]
    data.update({"rto_minutes": "4:00", "rpo_minutes": "1h30", "sla_policy": str(policy.pk), "owner": str(world.manager_a.pk)})
    response = client.post(url, data)
    assert response.status_code == 302
    service = world.client_a.business_services.get()
    assert (service.rto_minutes, service.rpo_minutes, service.sla_policy) == (240, 90, policy)
    ticket = desk.open_ticket(by=world.requester_a, organization=world.client_a, title="Caisse bloquée")
    type(ticket).objects.filter(pk=ticket.pk).update(service=service)
    page = text(login(world.tech_a).get(f"/desk/services/{service.pk}/"))
    assert "4 h" in page and "1 h 30" in page and "Contrat or" in page and ticket.reference in page
    assert "100" in page  # availability over 30 days, from the KPI code
    # The configuration items it stands on, from the CMDB, with their redundancy group.
    till = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="Caisse TPV-1", ci_class="workstation")
    group = cmdb_services.create_group(by=world.admin, organization=world.client_a, name="Caisses", minimum_up=1)
    cmdb_services.add_component(by=world.admin, service=service, item=till, redundancy_group=group)
    page = text(login(world.tech_a).get(f"/desk/services/{service.pk}/"))
    assert f'href="/desk/cmdb/{till.pk}/">Caisse TPV-1</a>' in page and "Caisses" in page
    assert login(world.tech_b).get(f"/desk/services/{service.pk}/").status_code == 404


def test_template_editor_saves_questions_and_tasks(world: World, login: Any) -> None:
    client = login(world.admin)
    data = {
        "name": "Demande de logiciel",
        "icon": "💿",
        "audience": "client",
        "organization": str(world.client_a.pk),
        "impact": "2",
        "urgency": "3",
        "approval": "none",
        "task_flow": "sequential",
        "is_published": "on",
        "fields-TOTAL_FORMS": "2",
        "fields-INITIAL_FORMS": "0",
        "fields-0-label": "Logiciel",
        "fields-0-kind": "single_choice",
        "fields-0-choices": "",
        "fields-1-label": "",
        "fields-1-kind": "short_text",
        "tasks-TOTAL_FORMS": "1",
        "tasks-INITIAL_FORMS": "0",
        "tasks-0-title": "Installer",
        "tasks-0-group": str(world.group_a.pk),
    }
    refused = client.post("/desk/services/templates/new/", data)
    assert refused.status_code == 422 and "give the choices" in text(refused)
    assert not RequestTemplate.objects.exists()
    data["fields-0-choices"] = "Adobe Acrobat\nAutoCAD"
    response = client.post("/desk/services/templates/new/", data)
    assert response.status_code == 302
    template = RequestTemplate.objects.get()
    assert [f.choices for f in template.fields.all()] == [["Adobe Acrobat", "AutoCAD"]]
    assert [t.title for t in template.tasks.all()] == ["Installer"]
    preview = text(client.get(f"/desk/services/templates/{template.pk}/preview/"))
    assert "AutoCAD" in preview and "disabled" in preview
    assert "Demande de logiciel" in text(login(world.tech_a).get("/desk/services/templates/"))
    assert login(world.tech_a).post(f"/desk/services/templates/{template.pk}/", data).status_code == 403
    assert login(world.tech_b).get(f"/desk/services/templates/{template.pk}/").status_code == 404


def test_portal_order_approve_and_work_the_tasks(world: World, login: Any) -> None:
    template = onboarding(world)
    onboarding(world, organization=world.client_b, group=world.group_b, name="Offre du cabinet")
    fields = {f.label: f for f in template.fields.all()}
    employee = login(world.requester_a)
    catalog = text(employee.get("/portal/catalog/"))
    assert "Arrivée d&#x27;un collaborateur" in catalog and "Offre du cabinet" not in catalog
    url = f"/portal/catalog/{template.pk}/"
    bad = employee.post(url, {f"field_{fields['Date d' + chr(39) + 'arrivée'].pk}": "bientôt"})
    assert bad.status_code == 422
    assert "is required" in text(bad) and "YYYY-MM-DD" in text(bad)
    answers = {
        f"field_{fields['Nom du collaborateur'].pk}": "Jeanne Roux",
        f"field_{fields['Date d' + chr(39) + 'arrivée'].pk}": "2026-09-01",
        f"field_{fields['Logiciels'].pk}": ["Office", "Teams"],
        f"field_{fields['Télétravail'].pk}": "yes",
    }
    response = employee.post(url, answers)
    assert response.status_code == 302
    request = ServiceRequest.objects.get()
    ticket = request.ticket
    portal_page = text(employee.get(f"/portal/tickets/{ticket.reference}/"))
    assert "Jeanne Roux" in portal_page and "Office, Teams" in portal_page and "Waiting for approval" in portal_page
    # Another employee cannot decide; the manager can, once.
    assert login(world.requester_a2).get(f"/portal/catalog/approvals/{ticket.reference}/").status_code == 404
    manager = login(world.manager_a)
    assert ticket.reference in text(manager.get("/portal/catalog/approvals/"))
    assert manager.post(f"/portal/catalog/approvals/{ticket.reference}/", {"decision": "reject"}).status_code == 422
    assert manager.post(f"/portal/catalog/approvals/{ticket.reference}/", {"decision": "approve"}).status_code == 302
    request.refresh_from_db()
    assert request.approval_state == ApprovalState.APPROVED
    assert "Record my decision" not in text(manager.get(f"/portal/catalog/approvals/{ticket.reference}/"))
    # The technician works the tasks from the ticket page (htmx answers the panel).
    tech = login(world.tech_a)
    staff_page = text(tech.get(f"/desk/tickets/{ticket.reference}/"))
    assert "Compte Microsoft 365" in staff_page and "Jeanne Roux" in staff_page
    for task in request.tasks.order_by("order"):
        answer = tech.post(
            f"/desk/services/requests/{ticket.reference}/tasks/{task.pk}/finish/", {"action": "done"}, HTTP_HX_REQUEST="true"
        )
        assert answer.status_code == 200 and 'id="catalog-request"' in text(answer)
    assert set(request.tasks.values_list("state", flat=True)) == {TaskState.DONE}
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    again = tech.post(
        f"/desk/services/requests/{ticket.reference}/tasks/{request.tasks.first().pk}/finish/",  # type: ignore[union-attr]
        {"action": "done"},
        HTTP_HX_REQUEST="true",
    )
    assert again.status_code == 422 and "finished" in text(again)


def test_service_owner_manages_templates_of_served_clients(world: World, login: Any) -> None:
    owner = make_user("sam.owner@durand.test", world.provider, Role.SERVICE_OWNER)
    world.group_a.members.add(owner)
    page = text(login(owner).get("/desk/services/templates/new/"))
    assert world.client_a.name in page and world.client_b.name not in page
