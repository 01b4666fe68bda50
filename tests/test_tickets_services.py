"""The ticket services: numbering, priority matrix, workflow, comments, visibility."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from vigie.core.models import AuditEntry
from vigie.servicedesk import numbering, services
from vigie.servicedesk.models import EventKind, Level, PriorityMatrixCell, Ticket, TicketStatus, TicketType
from vigie.servicedesk.workflow import TransitionError

pytestmark = pytest.mark.django_db


def test_references_count_per_type(world):
    first = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Imprimante HS")
    second = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Accès VPN", type=TicketType.REQUEST)
    third = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Écran noir")
    assert (first.reference, second.reference, third.reference) == ("INC-000001", "REQ-000001", "INC-000002")
    assert first.requester == world.requester_a
    assert first.status == TicketStatus.NEW


def test_numbering_continues_after_a_restart_and_never_reuses_a_number(world):
    numbering.restart_after(TicketType.INCIDENT, 41)
    assert numbering.last_number(TicketType.INCIDENT) == 41
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Imprimante HS")
    assert ticket.reference == "INC-000042"
    assert numbering.last_number(TicketType.INCIDENT) == 42
    assert numbering.last_number(TicketType.REQUEST) == 0
    with pytest.raises(ValidationError):
        services.open_ticket(by=world.requester_a, organization=world.client_a, title="   ")
    again = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Écran noir")
    assert again.number > ticket.number


def test_priority_follows_the_editable_matrix(world):
    ticket = services.open_ticket(
        by=world.tech_a, organization=world.client_a, title="Serveur", impact=Level.HIGH, urgency=Level.HIGH
    )
    assert ticket.priority == 1
    PriorityMatrixCell.objects.filter(impact=Level.LOW, urgency=Level.LOW).update(priority=4)
    services.update_ticket(ticket, by=world.tech_a, impact=Level.LOW, urgency=Level.LOW)
    ticket.refresh_from_db()
    assert ticket.priority == 4
    assert ticket.events.filter(kind=EventKind.PRIORITY, data__new=4).exists()


def test_full_lifecycle_with_timeline(world):
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Pas d'internet")
    services.assign_ticket(ticket, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ASSIGNED
    services.add_comment(ticket, by=world.tech_a, body="Redémarrez la box svp")
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    services.change_status(ticket, TicketStatus.WAITING_CUSTOMER, by=world.tech_a)
    services.add_comment(ticket, by=world.requester_a, body="C'est fait", channel="portal")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS  # the customer's answer resumes work
    with pytest.raises(ValidationError):
        services.resolve_ticket(ticket, by=world.tech_a, resolution="  ")
    services.resolve_ticket(ticket, by=world.tech_a, resolution="Box redémarrée")
    services.reopen_ticket(ticket, by=world.requester_a)
    ticket.refresh_from_db()
    assert ticket.reopen_count == 1 and ticket.resolved_at is None
    services.resolve_ticket(ticket, by=world.tech_a, resolution="Box remplacée")
    services.close_ticket(ticket, by=world.tech_a)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[0] == EventKind.CREATED and kinds.count(EventKind.STATUS) >= 6
    assert all(e.actor_id for e in ticket.events.all())
    assert AuditEntry.objects.filter(model="servicedesk.ticket", object_id=str(ticket.pk), action="update").exists()


def test_forbidden_transition_is_refused(world):
    ticket = services.open_ticket(by=world.tech_a, organization=world.client_a, title="X")
    services.cancel_ticket(ticket, by=world.tech_a)
    with pytest.raises(TransitionError):
        services.change_status(ticket, TicketStatus.IN_PROGRESS, by=world.tech_a)


def test_requester_cannot_write_internal_notes_or_assign(world):
    ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="X")
    with pytest.raises(PermissionDenied):
        services.add_comment(ticket, by=world.requester_a, body="secret", internal=True)
    with pytest.raises(PermissionDenied):
        services.assign_ticket(ticket, by=world.requester_a, assignee=world.tech_a, group=None)


def test_technician_of_other_client_cannot_be_assigned(world):
    ticket = services.open_ticket(by=world.tech_a, organization=world.client_a, title="X")
    with pytest.raises(ValidationError) as error:
        services.assign_ticket(ticket, by=world.admin, assignee=world.tech_b, group=None)
    assert "assignee" in error.value.error_dict


def test_visibility_rules(world):
    own = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Mine")
    colleague = services.open_ticket(by=world.requester_a2, organization=world.client_a, title="Colleague's")
    other_company = services.open_ticket(by=world.requester_b, organization=world.client_b, title="Other")

    def visible(user):
        return set(Ticket.objects.visible_to(user).values_list("pk", flat=True))

    assert visible(world.requester_a) == {own.pk}
    assert visible(world.it_contact_a) == {own.pk, colleague.pk}
    assert visible(world.manager_a) == {own.pk, colleague.pk}
    assert visible(world.tech_a) == {own.pk, colleague.pk}
    assert visible(world.tech_b) == {other_company.pk}
    assert visible(world.admin) == {own.pk, colleague.pk, other_company.pk}
    services.set_watchers(colleague, by=world.tech_a, watchers=[world.requester_a])
    world.requester_a.__dict__.pop("_vigie_access", None)
    assert visible(world.requester_a) == {own.pk, colleague.pk}


def test_requester_cannot_open_for_another_company(world):
    with pytest.raises(PermissionDenied):
        services.open_ticket(by=world.requester_a, organization=world.client_b, title="X")


def test_search_finds_title_description_and_replies(world):
    from vigie.servicedesk.search import search_tickets

    ticket = services.open_ticket(
        by=world.requester_a, organization=world.client_a, title="Imprimante bloquée", description="Le bac papier coince"
    )
    services.add_comment(ticket, by=world.tech_a, body="Le rouleau entraîneur est usé")
    services.add_comment(ticket, by=world.tech_a, body="confidentielmotinterne", internal=True)
    services.open_ticket(by=world.requester_a, organization=world.client_a, title="Autre chose")
    base = Ticket.objects.all()
    assert list(search_tickets(base, "imprimante")) == [ticket]
    assert list(search_tickets(base, "papier")) == [ticket]
    assert list(search_tickets(base, "entraîneur")) == [ticket]
    assert list(search_tickets(base, "rouleau usé")) == [ticket]
    assert list(search_tickets(base, "confidentielmotinterne")) == []
    assert list(search_tickets(base, ticket.reference.lower())) == [ticket]
