"""Problem management through its services: roles, incidents of one client, root cause, known
error with its workaround delivered once to every open incident (and to those linked later),
resolution that resolves the incidents, and the timeline/audit of it all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tests.conftest import World, make_user
from vigie.accounts.models import User
from vigie.catalog import services as catalog_services
from vigie.core.models import AuditEntry
from vigie.problems import lifecycle, services
from vigie.problems.models import KnownError, KnownErrorStatus, Problem, ProblemEventKind, ProblemStatus, WorkaroundDelivery
from vigie.servicedesk import services as ticket_services
from vigie.servicedesk.models import Comment, Level, Ticket, TicketStatus, TicketType
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """These tests read the English wording (the French one is checked by the catalog tests)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def pm(world: World) -> User:
    """A problem manager serving client A (member of its group)."""
    user = make_user("paula.problem@durand.test", world.provider, Role.PROBLEM_MANAGER)
    world.group_a.members.add(user)
    return user


def incident(world: World, title: str = "Imprimante bloquée", *, requester: User | None = None, **extra: Any) -> Ticket:
    return ticket_services.open_ticket(
        by=requester or world.requester_a, organization=world.client_a, title=title, requester=requester, **extra
    )


def known_problem(world: World, pm: User, tickets: list[Ticket], *, notify: bool = False) -> Problem:
    problem = services.create_problem_from_incidents(by=pm, incidents=tickets)
    lifecycle.record_root_cause(problem, by=pm, root_cause="Pilote d'impression 4.2 défectueux")
    lifecycle.publish_known_error(
        problem, by=pm, symptoms="Travaux bloqués en file", workaround="Redémarrer le spouleur", notify_requesters=notify
    )
    problem.refresh_from_db()
    return problem


def notes(ticket: Ticket, *, internal: bool) -> list[str]:
    return list(Comment.objects.filter(ticket=ticket, is_internal=internal).values_list("body", flat=True))


def test_create_from_incidents_takes_their_client_and_numbers_safely(world, pm):
    first = incident(world, impact=Level.LOW, urgency=Level.HIGH)
    second = incident(world, "Plus d'impression", impact=Level.HIGH, urgency=Level.LOW)
    problem = services.create_problem_from_incidents(by=pm, incidents=[first, second])
    assert problem.organization == world.client_a
    assert problem.title == first.title and problem.status == ProblemStatus.NEW
    assert (problem.impact, problem.urgency) == (Level.HIGH, Level.HIGH)
    assert set(problem.incidents.all()) == {first, second}
    assert set(first.problems.all()) == {problem}
    assert first.reference in problem.description
    other = services.create_problem(by=pm, organization=world.client_a, title="Autre")
    assert problem.reference.startswith("PRB-") and len(problem.reference) == 10
    assert other.number == problem.number + 1
    assert [e.kind for e in problem.events.all()] == [ProblemEventKind.CREATED, ProblemEventKind.LINKED]
    assert AuditEntry.objects.filter(model="problems.problem", object_id=str(problem.pk), actor=pm).exists()


def test_only_problem_managers_and_admins_create_and_transition(world, pm):
    with pytest.raises(PermissionDenied):
        services.create_problem(by=world.tech_a, organization=world.client_a, title="Non")
    with pytest.raises(PermissionDenied):
        services.create_problem(by=world.manager_a, organization=world.client_a, title="Non")
    # A problem manager who does not serve client B cannot open problems there.
    with pytest.raises(PermissionDenied):
        services.create_problem(by=pm, organization=world.client_b, title="Non")
    problem = services.create_problem(by=world.admin, organization=world.client_a, title="Lenteurs", manager=pm)
    for act in (
        lambda: lifecycle.start_investigation(problem, by=world.tech_a),
        lambda: lifecycle.record_root_cause(problem, by=world.tech_a, root_cause="x"),
        lambda: lifecycle.cancel_problem(problem, by=world.tech_a),
        lambda: services.update_problem(problem, by=world.tech_a, title="x"),
    ):
        with pytest.raises(PermissionDenied):
            act()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.NEW and problem.title == "Lenteurs"
    assert Problem.objects.count() == 1


def test_technicians_link_incidents_but_not_of_another_client(world, pm):
    problem = services.create_problem(by=pm, organization=world.client_a, title="Messagerie lente")
    mine = incident(world)
    linked = services.link_incidents(problem, by=world.tech_a, incidents=[mine])
    assert linked == [mine]
    assert services.link_incidents(problem, by=world.tech_a, incidents=[mine]) == []  # already there
    theirs = ticket_services.open_ticket(by=world.requester_b, organization=world.client_b, title="Cabinet")
    with pytest.raises(ValidationError) as refused:
        services.link_incidents(problem, by=world.admin, incidents=[theirs])
    assert "incidents" in refused.value.message_dict
    assert "another client" in refused.value.message_dict["incidents"][0]
    request = ticket_services.open_ticket(
        by=world.requester_a, organization=world.client_a, title="Nouveau poste", type=TicketType.REQUEST
    )
    with pytest.raises(ValidationError, match="service request"):
        services.link_incidents(problem, by=world.tech_a, incidents=[request])
    with pytest.raises(ValidationError):
        services.create_problem_from_incidents(by=pm, incidents=[mine, theirs])
    assert list(problem.incidents.all()) == [mine]
    services.unlink_incident(problem, by=world.tech_a, incident=mine)
    assert problem.incidents.count() == 0
    with pytest.raises(PermissionDenied):
        services.link_incidents(problem, by=world.tech_b, incidents=[mine])


def test_root_cause_and_known_error_flow(world, pm):
    problem = services.create_problem(by=pm, organization=world.client_a, title="Imprimantes")
    with pytest.raises(ValidationError) as early:
        lifecycle.publish_known_error(problem, by=pm, symptoms="s", workaround="w")
    assert "status" in early.value.message_dict
    lifecycle.start_investigation(problem, by=pm)
    with pytest.raises(ValidationError) as empty:
        lifecycle.record_root_cause(problem, by=pm, root_cause="  ")
    assert "root_cause" in empty.value.message_dict
    problem = lifecycle.record_root_cause(problem, by=pm, root_cause="Pilote défectueux", workaround="Redémarrer")
    assert problem.status == ProblemStatus.ROOT_CAUSE_KNOWN and problem.root_cause_at is not None
    with pytest.raises(ValidationError) as missing:
        lifecycle.publish_known_error(problem, by=pm, symptoms="", workaround="")
    assert {"symptoms", "workaround"} <= set(missing.value.message_dict)
    known = lifecycle.publish_known_error(problem, by=pm, symptoms="Travaux bloqués", workaround="Redémarrer le spouleur")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.KNOWN_ERROR and known.status == KnownErrorStatus.ACTIVE
    assert known.title == problem.title and known.organization == world.client_a
    assert KnownError.objects.visible_to(world.tech_a).search("spouleur").get() == known
    assert not KnownError.objects.visible_to(world.tech_b).exists()
    assert not KnownError.objects.visible_to(world.manager_a).exists()
    with pytest.raises(ValidationError):
        lifecycle.cancel_problem(problem, by=pm)  # a published known error is not cancelled


def test_workaround_reaches_open_incidents_once_and_later_links(world, pm):
    open_one = incident(world, requester=world.requester_a)
    open_two = incident(world, "Impression impossible", requester=world.requester_a2)
    finished = incident(world, "Ancien cas")
    ticket_services.resolve_ticket(finished, by=world.tech_a, resolution="Contournement manuel")
    problem = known_problem(world, pm, [open_one, open_two, finished], notify=True)
    for ticket in (open_one, open_two):
        internal = notes(ticket, internal=True)
        assert len(internal) == 1 and "Redémarrer le spouleur" in internal[0] and problem.reference in internal[0]
        public = notes(ticket, internal=False)
        assert len(public) == 1 and "Redémarrer le spouleur" in public[0]
    assert notes(finished, internal=True) == [] and notes(finished, internal=False) == []
    # Publishing again (an updated workaround) does not send it twice.
    lifecycle.publish_known_error(
        problem, by=pm, symptoms="Travaux bloqués", workaround="Redémarrer le spouleur v2", notify_requesters=True
    )
    assert len(notes(open_one, internal=True)) == 1
    assert WorkaroundDelivery.objects.filter(problem=problem).count() == 2
    # An incident linked later gets it too — here by a technician, internal note and reply.
    later = incident(world, "Encore l'imprimante")
    services.link_incidents(problem, by=world.tech_a, incidents=[later])
    assert len(notes(later, internal=True)) == 1 and "v2" in notes(later, internal=True)[0]
    assert len(notes(later, internal=False)) == 1
    services.link_incidents(problem, by=world.tech_a, incidents=[later])
    assert len(notes(later, internal=True)) == 1
    kinds = list(problem.events.values_list("kind", flat=True))
    assert kinds.count(ProblemEventKind.WORKAROUND_SENT) == 2


def test_internal_note_only_unless_requesters_are_notified(world, pm):
    ticket = incident(world)
    known_problem(world, pm, [ticket], notify=False)
    assert len(notes(ticket, internal=True)) == 1
    assert notes(ticket, internal=False) == []


def test_resolution_resolves_open_incidents_and_fixes_the_known_error(world, pm):
    tickets = [incident(world), incident(world, "Deuxième")]
    problem = known_problem(world, pm, tickets)
    with pytest.raises(ValidationError) as empty:
        lifecycle.resolve_problem(problem, by=pm, resolution="")
    assert "resolution" in empty.value.message_dict
    problem = lifecycle.resolve_problem(
        problem, by=pm, resolution="Pilote 4.3 déployé", resolve_incidents=True, incident_resolution="Corrigé par PRB"
    )
    assert problem.status == ProblemStatus.RESOLVED and problem.resolved_at is not None
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.RESOLVED and ticket.resolution == "Corrigé par PRB"
    assert KnownError.objects.get(problem=problem).status == KnownErrorStatus.FIXED
    resolved_event = problem.events.get(kind=ProblemEventKind.RESOLVED)
    assert sorted(resolved_event.data["resolved_incidents"]) == sorted(t.reference for t in tickets)
    problem = lifecycle.close_problem(problem, by=pm)
    assert problem.status == ProblemStatus.CLOSED
    with pytest.raises(ValidationError):
        services.link_incidents(problem, by=pm, incidents=[incident(world)])
    with pytest.raises(ValidationError):
        lifecycle.reopen_problem(problem, by=pm)


def test_resolution_can_leave_incidents_alone_and_reopen(world, pm):
    ticket = incident(world)
    problem = services.create_problem_from_incidents(by=pm, incidents=[ticket])
    lifecycle.resolve_problem(problem, by=pm, resolution="Corrigé")
    ticket.refresh_from_db()
    assert ticket.is_open
    problem = lifecycle.reopen_problem(problem, by=pm)
    assert problem.status == ProblemStatus.INVESTIGATING and problem.resolved_at is None


def test_fields_are_checked_and_priority_follows_the_matrix(world, pm):
    service_b = catalog_services.create_service(by=world.admin, organization=world.client_b, name="Paie")
    with pytest.raises(ValidationError) as refused:
        services.create_problem(
            by=pm, organization=world.client_a, title="", manager=world.tech_a, group=world.group_b, services=[service_b]
        )
    assert {"title", "manager", "group", "services"} <= set(refused.value.message_dict)
    assert Problem.objects.count() == 0
    service_a = catalog_services.create_service(by=world.admin, organization=world.client_a, name="Caisse")
    problem = services.create_problem(by=pm, organization=world.client_a, title="Caisse lente", services=[service_a])
    problem = services.update_problem(problem, by=pm, impact=Level.HIGH, urgency=Level.HIGH, manager=pm)
    assert problem.priority == 1 and problem.manager == pm
    assert list(problem.services.all()) == [service_a]
    assert problem.events.filter(kind=ProblemEventKind.FIELD).count() == 3
    with pytest.raises(ValidationError):
        services.update_problem(problem, by=pm, organization=world.client_b)
    with pytest.raises(ValidationError):
        services.update_problem(problem, by=pm, status="closed")


def test_problems_are_visible_to_the_staff_serving_the_client_only(world, pm):
    problem = services.create_problem(by=pm, organization=world.client_a, title="Visible")
    assert list(Problem.objects.visible_to(world.tech_a)) == [problem]
    assert list(Problem.objects.visible_to(world.admin)) == [problem]
    for outsider in (world.tech_b, world.manager_a, world.requester_a, world.manager_b):
        assert not Problem.objects.visible_to(outsider).exists()


def test_resolution_through_a_change_of_the_same_client(world, pm):
    from vigie.changes import services as change_services

    problem = services.create_problem_from_incidents(by=pm, incidents=[incident(world)])
    fix = change_services.create_change(by=world.tech_a, organization=world.client_a, title="Pilote 4.3 sur le parc")
    foreign = change_services.create_change(by=world.tech_b, organization=world.client_b, title="Autre client")
    with pytest.raises(ValidationError) as refused:
        lifecycle.resolve_problem(problem, by=pm, resolution="x", change=foreign)
    assert "change" in refused.value.message_dict
    problem = lifecycle.resolve_problem(problem, by=pm, resolution="Pilote déployé", change=fix)
    problem.refresh_from_db()
    assert problem.resolving_change == fix and list(fix.resolved_problems.all()) == [problem]
    assert problem.events.get(kind=ProblemEventKind.RESOLVED).data["change"] == fix.reference


def test_demo_problems():
    from vigie.servicedesk.demo import load_demo

    world = load_demo(tickets=150)
    known = KnownError.objects.select_related("problem").get()
    assert known.problem.organization.slug == "martin"
    assert known.problem.incidents.count() >= 2
    delivered = WorkaroundDelivery.objects.filter(problem=known.problem).count()
    assert (
        delivered
        == known.problem.incidents.filter(
            status__in=["new", "assigned", "in_progress", "waiting_customer", "waiting_third_party"]
        ).count()
    )
    assert ("nadia.faure@rhone-numerique.fr", "problem manager") in world.logins
    assert Problem.objects.filter(status=ProblemStatus.INVESTIGATING).exists()


def test_figures_for_the_monthly_review(world, pm):
    from datetime import timedelta

    from django.utils import timezone

    from vigie.problems.figures import figures_for

    known_problem(world, pm, [incident(world)])
    done = services.create_problem(by=pm, organization=world.client_a, title="Corrigé")
    lifecycle.resolve_problem(done, by=pm, resolution="Fait")
    services.create_problem(by=world.admin, organization=world.client_b, title="Autre client")
    now = timezone.now()
    figures = figures_for(world.client_a, now - timedelta(days=1), now + timedelta(minutes=1))
    assert (figures.opened, figures.resolved, figures.open_now) == (2, 1, 1)
    assert (figures.known_errors_active, figures.known_errors_published) == (1, 1)
    assert figures_for(world.client_a, now + timedelta(days=1), now + timedelta(days=2)).opened == 0


def test_links_and_known_errors_are_in_the_audit_trail(world, pm):
    ticket = incident(world)
    problem = known_problem(world, pm, [ticket])
    link = AuditEntry.objects.get(model="problems.problemincident")
    assert link.actor == pm and link.organization_id == world.client_a.pk
    assert AuditEntry.objects.filter(model="problems.knownerror", actor=pm, organization=world.client_a).exists()
    assert not AuditEntry.objects.filter(model="problems.problemevent").exists()
    services.unlink_incident(problem, by=world.tech_a, incident=ticket)
    assert AuditEntry.objects.filter(model="problems.problemincident", action="delete", actor=world.tech_a).exists()
