"""Request templates, ordering, approvals and fulfilment tasks, through the services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tests.conftest import World, make_user
from vigie.catalog import fulfilment
from vigie.catalog.answers import check_answers
from vigie.catalog.models import (
    ApprovalRule,
    ApprovalState,
    FieldKind,
    RequestTemplate,
    ServiceRequest,
    TaskFlow,
    TaskState,
    TemplateAudience,
)
from vigie.catalog.template_services import FieldSpec, TaskSpec, create_template, update_template
from vigie.notifications.models import OutboundEmail
from vigie.servicedesk.models import Category, TicketStatus, TicketType
from vigie.servicedesk.views.timeline import build_timeline
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """These tests read the English wording (the French one is checked by the catalog tests)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


QUESTIONS = [
    FieldSpec("Nom du collaborateur", FieldKind.SHORT_TEXT, required=True),
    FieldSpec("Date d'arrivée", FieldKind.DATE, required=True),
    FieldSpec("Nombre d'écrans", FieldKind.NUMBER),
    FieldSpec("Télétravail", FieldKind.YES_NO),
    FieldSpec("Poste", FieldKind.SINGLE_CHOICE, choices=["Portable", "Fixe"]),
    FieldSpec("Logiciels", FieldKind.MULTIPLE_CHOICE, choices=["Office", "Sage", "Teams"]),
    FieldSpec("Responsable", FieldKind.USER),
    FieldSpec("Remarques", FieldKind.LONG_TEXT),
]
TASKS = [TaskSpec("Compte Microsoft 365"), TaskSpec("Préparer le poste"), TaskSpec("Badge d'accès")]


def onboarding(world: World, **overrides: Any) -> RequestTemplate:
    values: dict[str, Any] = {
        "by": world.admin,
        "name": "Arrivée d'un collaborateur",
        "audience": TemplateAudience.ONE_CLIENT,
        "organization": world.client_a,
        "approval": ApprovalRule.CLIENT_MANAGER,
        "group": world.group_a,
        "is_published": True,
        "fields": QUESTIONS,
        "tasks": TASKS,
    }
    values.update(overrides)
    return create_template(**values)


def answers_for(template: RequestTemplate, **by_label: Any) -> dict[str, Any]:
    fields = {f.label: f for f in template.fields.all()}
    base = {"Nom du collaborateur": "Jeanne Roux", "Date d'arrivée": "2026-09-01"}
    base.update(by_label)
    return {str(fields[label].pk): value for label, value in base.items()}


def test_each_kind_of_answer_is_checked_and_stored(world: World) -> None:
    template = onboarding(world)
    fields = {f.label: f for f in template.fields.all()}
    raw = answers_for(
        template,
        **{
            "Nombre d'écrans": "2",
            "Télétravail": "oui",
            "Poste": "Portable",
            "Logiciels": ["Teams", "Office"],
            "Responsable": str(world.manager_a.pk),
        },
    )
    stored = {a["label"]: a for a in check_answers(template, world.client_a, raw)}
    assert stored["Nombre d'écrans"]["value"] == "2"
    assert stored["Télétravail"]["value"] is True
    assert stored["Logiciels"]["value"] == ["Office", "Teams"]  # in the form's order
    assert stored["Responsable"]["value"] == world.manager_a.pk and stored["Responsable"]["text"] == str(world.manager_a)
    assert stored["Date d'arrivée"]["value"] == "2026-09-01"
    bad = {
        str(fields["Nom du collaborateur"].pk): "  ",
        str(fields["Date d'arrivée"].pk): "demain",
        str(fields["Nombre d'écrans"].pk): "deux",
        str(fields["Télétravail"].pk): "peut-être",
        str(fields["Poste"].pk): "Tablette",
        str(fields["Logiciels"].pk): ["Office", "Photoshop"],
        str(fields["Responsable"].pk): str(world.manager_b.pk),  # another company's person
        "999999": "intrus",
    }
    with pytest.raises(ValidationError) as caught:
        check_answers(template, world.client_a, bad)
    errors = caught.value.message_dict
    expected = {f"field_{f.pk}" for label, f in fields.items() if label != "Remarques"} | {"answers"}
    assert set(errors) == expected
    assert "required" in errors[f"field_{fields['Nom du collaborateur'].pk}"][0]
    date_field = fields["Date d'arrivée"]
    assert "YYYY-MM-DD" in errors[f"field_{date_field.pk}"][0]
    assert "Photoshop" in errors[f"field_{fields['Logiciels'].pk}"][0]
    assert "Cabinet" not in str(errors)  # the other company's name is not echoed


def test_a_template_is_offered_to_the_right_clients(world: World) -> None:
    everyone = create_template(by=world.admin, name="Accès VPN", is_published=True)
    only_b = create_template(
        by=world.admin, name="Logiciel", audience=TemplateAudience.CHOSEN_CLIENTS, clients=[world.client_b], is_published=True
    )
    for_a = onboarding(world)
    draft = create_template(by=world.admin, name="Brouillon", is_published=False)
    assert set(RequestTemplate.objects.orderable_by(world.requester_a)) == {everyone, for_a}
    assert set(RequestTemplate.objects.orderable_by(world.requester_b)) == {everyone, only_b}
    # Staff see what concerns the clients they serve; drafts included, other clients' not.
    assert set(RequestTemplate.objects.visible_to(world.tech_a)) == {everyone, for_a, draft}
    assert set(RequestTemplate.objects.visible_to(world.tech_b)) == {everyone, only_b, draft}
    assert RequestTemplate.objects.visible_to(world.admin).count() == 4
    with pytest.raises(ValidationError) as caught:
        fulfilment.order_request(by=world.requester_a, template=only_b, organization=world.client_a, answers={})
    assert "template" in caught.value.message_dict


def test_template_rules_and_permissions(world: World) -> None:
    owner = make_user("sam.owner@durand.test", world.provider, Role.SERVICE_OWNER)
    world.group_a.members.add(owner)
    with pytest.raises(ValidationError) as caught:
        create_template(
            by=world.admin,
            name=" ",
            audience=TemplateAudience.ONE_CLIENT,
            organization=world.client_a,
            approval=ApprovalRule.NAMED,
            approver=world.requester_b,
            group=world.group_b,
            fields=[FieldSpec("Choix", FieldKind.SINGLE_CHOICE, choices=[]), FieldSpec("", FieldKind.NUMBER)],
            tasks=[TaskSpec("", group=world.group_b)],
        )
    assert {"name", "approver", "group", "fields", "tasks"} <= set(caught.value.message_dict)
    assert len(caught.value.message_dict["fields"]) == 2
    assert not RequestTemplate.objects.exists()
    # A service owner manages the templates of the clients they serve, not provider-wide ones.
    mine = create_template(by=owner, name="Badge", audience=TemplateAudience.ONE_CLIENT, organization=world.client_a)
    with pytest.raises(PermissionDenied):
        create_template(by=owner, name="Pour tous")
    with pytest.raises(PermissionDenied):
        create_template(by=owner, name="Badge", audience=TemplateAudience.ONE_CLIENT, organization=world.client_b)
    with pytest.raises(PermissionDenied):
        update_template(mine, by=world.tech_a, name="Autre")
    updated = update_template(mine, by=owner, name="Badge d'accès", fields=[FieldSpec("Étage", FieldKind.NUMBER)])
    assert updated.name == "Badge d'accès" and [f.label for f in updated.fields.all()] == ["Étage"]


def test_approval_by_a_client_manager_then_tasks_and_auto_resolution(world: World) -> None:
    category = Category.objects.create(name="Arrivées")
    template = onboarding(world, category=category)
    mail.outbox.clear()
    ticket = fulfilment.order_request(
        by=world.requester_a, template=template, organization=world.client_a, answers=answers_for(template)
    )
    request = ServiceRequest.objects.get(ticket=ticket)
    assert ticket.type == TicketType.REQUEST and ticket.category == category and ticket.group == world.group_a
    assert ticket.status == TicketStatus.WAITING_CUSTOMER and request.approval_state == ApprovalState.PENDING
    assert "Jeanne Roux" in ticket.description
    assert not request.tasks.exists()
    # The manager is e-mailed with a link to the approval page.
    approval_mail = OutboundEmail.objects.get(to=world.manager_a.email)
    assert "/portal/catalog/approvals/" in approval_mail.body_text and "Jeanne Roux" in approval_mail.body_text
    assert list(ServiceRequest.objects.awaiting_decision_by(world.manager_a)) == [request]
    assert not ServiceRequest.objects.awaiting_decision_by(world.manager_b).exists()
    # Someone without the right cannot decide.
    for outsider in (world.requester_a2, world.it_contact_a, world.manager_b, world.tech_a):
        with pytest.raises(PermissionDenied):
            fulfilment.decide(request, by=outsider, approve=True)
    fulfilment.decide(request, by=world.manager_a, approve=True, comment="OK pour lundi")
    with pytest.raises(ValidationError):  # each decision once
        fulfilment.decide(request, by=world.manager_a, approve=False, comment="Finalement non")
    ticket.refresh_from_db()
    request.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS and request.approval_state == ApprovalState.APPROVED
    tasks = list(request.tasks.order_by("order"))
    assert [t.state for t in tasks] == [TaskState.OPEN, TaskState.WAITING, TaskState.WAITING]
    assert all(t.group == world.group_a for t in tasks)
    with pytest.raises(ValidationError):
        fulfilment.finish_task(tasks[1], by=world.tech_a)  # waits for the first
    with pytest.raises(PermissionDenied):
        fulfilment.finish_task(tasks[0], by=world.tech_b)
    fulfilment.finish_task(tasks[0], by=world.tech_a, note="Licence E3")
    with pytest.raises(ValidationError):
        fulfilment.finish_task(tasks[0], by=world.tech_a)  # already done
    fulfilment.finish_task(tasks[1], by=world.tech_a)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS  # one task left
    fulfilment.finish_task(tasks[2], by=world.tech_a, skip=True)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.resolution
    staff_lines = [e.summary for e in build_timeline(ticket, user=world.tech_a, staff=True).entries]
    assert "approved the request" in staff_lines and "completed the task “Compte Microsoft 365”" in staff_lines
    assert staff_lines[-1] == "resolved the request: every fulfilment task is done"
    portal_lines = [e.summary for e in build_timeline(ticket, user=world.requester_a, staff=False).entries]
    assert "approved the request" in portal_lines
    assert not [line for line in portal_lines if "task “" in line]  # task work is internal


def test_rejection_cancels_with_the_reason(world: World) -> None:
    template = onboarding(world)
    ticket = fulfilment.order_request(
        by=world.requester_a, template=template, organization=world.client_a, answers=answers_for(template)
    )
    request = ticket.catalog_request
    with pytest.raises(ValidationError) as caught:
        fulfilment.decide(request, by=world.manager_a, approve=False, comment="  ")
    assert "comment" in caught.value.message_dict
    fulfilment.decide(request, by=world.manager_a, approve=False, comment="Pas de recrutement prévu")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED and not request.tasks.exists()
    entries = build_timeline(ticket, user=world.requester_a, staff=False).entries
    rejection = [e for e in entries if e.summary == "rejected the request, which is cancelled"]
    assert rejection and rejection[0].detail == "Pas de recrutement prévu"
    assert OutboundEmail.objects.filter(to=world.requester_a.email, subject__contains="Rejected").exists()
    with pytest.raises(ValidationError):
        fulfilment.decide(request, by=world.manager_a, approve=True)


def test_named_approver_and_parallel_tasks_without_approval(world: World) -> None:
    named = onboarding(world, approval=ApprovalRule.NAMED, approver=world.it_contact_a, name="Logiciel")
    ticket = fulfilment.order_request(
        by=world.requester_a, template=named, organization=world.client_a, answers=answers_for(named)
    )
    with pytest.raises(PermissionDenied):
        fulfilment.decide(ticket.catalog_request, by=world.manager_a, approve=True)  # not the named one
    fulfilment.decide(ticket.catalog_request, by=world.it_contact_a, approve=True)
    assert ticket.catalog_request.tasks.count() == 3
    direct = onboarding(world, approval=ApprovalRule.NONE, task_flow=TaskFlow.PARALLEL, name="Matériel")
    ticket = fulfilment.order_request(
        by=world.requester_a, template=direct, organization=world.client_a, answers=answers_for(direct)
    )
    assert ticket.status == TicketStatus.NEW
    assert set(ticket.catalog_request.tasks.values_list("state", flat=True)) == {TaskState.OPEN}
    # Ordered by an approver: approved on the spot.
    other = onboarding(world, name="Autre")
    ticket = fulfilment.order_request(by=world.manager_a, template=other, organization=world.client_a, answers=answers_for(other))
    assert ticket.catalog_request.approval_state == ApprovalState.APPROVED and ticket.status == TicketStatus.IN_PROGRESS


def test_a_bad_order_writes_nothing(world: World) -> None:
    template = onboarding(world)
    with pytest.raises(ValidationError):
        fulfilment.order_request(by=world.requester_a, template=template, organization=world.client_a, answers={})
    assert not ServiceRequest.objects.exists()
    from vigie.servicedesk.models import Ticket

    assert not Ticket.objects.exists()


def test_demo_catalog(world: World) -> None:
    from vigie.catalog import demo

    demo.build(
        admin=world.admin, clients=[world.client_a, world.client_b], categories={}, groups={world.client_a.pk: world.group_a}
    )
    names = set(RequestTemplate.objects.orderable_by(world.requester_a).values_list("name", flat=True))
    assert names == {"Arrivée d'un collaborateur", "Demande de logiciel", "Matériel", "Nouveau terminal de paiement"}
    assert "Accès VPN" in set(RequestTemplate.objects.orderable_by(world.requester_b).values_list("name", flat=True))
