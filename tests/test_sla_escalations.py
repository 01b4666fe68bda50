"""Escalations fired by the worker: once per (rule, ticket), never on a paused clock; notify,
reassign and raise-priority actions, each with its line on the timeline.

Client A: "office" calendar (Mon–Fri 09:00–12:00, 14:00–18:00, Europe/Paris) and a policy with
P2 targets 30 min / 4 h and P3 targets 1 h / 8 h. The P3 ticket of most tests is opened on
Monday 8 June 2026 at 10:00, so its resolution clock (8 h) reaches 75 % (6 h) at Monday 18:00
(10–12 and 14–18) and 100 % on Tuesday 9 June at 11:00.
"""

from __future__ import annotations

import pytest
from django.core import mail

from tests.conftest import make_user
from tests.sla_support import frozen, make_calendar, make_policy, paris, sla_of
from vigie.notifications.models import OutboundEmail, OutboundKind
from vigie.servicedesk import services
from vigie.servicedesk.models import EventKind, Level, Ticket, TicketEvent, TicketStatus
from vigie.servicedesk.views.timeline import build_timeline
from vigie.sla import escalations, tasks
from vigie.sla.models import ClockState, EscalationAction, EscalationFiring, EscalationRule
from vigie.tenancy.models import Role, TechnicianGroup

pytestmark = pytest.mark.django_db

P1, P2, P3, P4 = 1, 2, 3, 4


@pytest.fixture
def policy(world):
    office = make_calendar(world.client_a)
    return make_policy(world.client_a, office, {P2: (30, 4 * 60), P3: (60, 8 * 60)})


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the escalations at a moment, with their after-commit work (e-mail delivery) done."""

    def _run(moment: str) -> int:
        with frozen(paris(moment)), django_capture_on_commit_callbacks(execute=True):
            return escalations.run_escalations()

    return _run


def rule(policy, **fields):
    return EscalationRule.objects.create(policy=policy, **fields)


def open_assigned(world, moment="2026-06-08 10:00", **fields):
    """A P3 ticket opened at ``moment``, assigned to tech A (group Support Lyon) and answered 10 min later."""
    with frozen(paris(moment)) as clock:
        ticket = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Serveur lent", **fields)
        ticket = services.assign_ticket(ticket, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
        clock.shift(600)
        services.add_comment(ticket, by=world.tech_a, body="Je regarde.")
    return Ticket.objects.get(pk=ticket.pk)


def test_notify_at_75_percent_fires_once(world, policy, run):
    lead = make_user("lea.lead@durand.test", world.provider, Role.TECHNICIAN)
    world.group_a.members.add(lead)
    world.group_a.lead = lead
    world.group_a.save()
    notify = rule(policy, at_percent=75, action=EscalationAction.NOTIFY, notify_client_manager=True)
    ticket = open_assigned(world)
    mail.outbox.clear()
    # 17:59: 5 h 59 min used of 8 h (< 6 h): nothing.
    assert run("2026-06-08 17:59") == 0
    # 18:01: 6 h used (75 %): the assignee, the group lead and the client's manager are told.
    assert run("2026-06-08 18:01") == 1
    firing = EscalationFiring.objects.get(rule=notify, ticket=ticket)
    expected = ["theo.tech@durand.test", "lea.lead@durand.test", "marie.manager@martin.test"]
    assert firing.detail["to"] == expected
    assert sorted(message.to[0] for message in mail.outbox) == sorted(expected)
    assert all("[INC-000001]" in message.subject for message in mail.outbox)
    emails = OutboundEmail.objects.filter(ticket=ticket, kind=OutboundKind.ESCALATION)
    assert emails.count() == 3
    # The client manager gets the portal address, staff the desk's.
    manager_mail = emails.get(to="marie.manager@martin.test")
    assert "/portal/tickets/INC-000001/" in manager_mail.body_text
    assert "/tickets/INC-000001/" in emails.get(to="theo.tech@durand.test").body_text
    # The timeline line: an internal "e-mail sent" event carrying the rule.
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.EMAIL_SENT)
    assert event.is_internal
    assert event.data["escalation"] == notify.pk
    assert (event.data["clock"], event.data["at_percent"], event.data["action"]) == ("resolution", 75, "notify")
    # The worker runs again (and again): nothing more is sent.
    assert run("2026-06-08 18:05") == 0
    assert run("2026-06-09 12:00") == 0
    assert EscalationFiring.objects.filter(rule=notify).count() == 1
    assert len(mail.outbox) == 3
    # Staff read it on the timeline; the portal does not show it.
    entries = build_timeline(ticket, user=world.tech_a, staff=True).entries
    line = next(entry for entry in entries if entry.kind == EventKind.EMAIL_SENT)
    assert "75" in line.summary and "marie.manager@martin.test" in line.summary
    assert all(
        entry.kind != EventKind.EMAIL_SENT for entry in build_timeline(ticket, user=world.requester_a, staff=False).entries
    )


def test_a_second_worker_cannot_fire_again(world, policy):
    notify = rule(policy, at_percent=100, action=EscalationAction.NOTIFY)
    ticket = open_assigned(world)
    # Tuesday 11:30 the resolution clock is past 100 % (due Tuesday 11:00).
    with frozen(paris("2026-06-09 11:30")):
        assert escalations.candidates(notify, paris("2026-06-09 11:30")) == [ticket.pk]
        assert escalations.fire(notify, ticket.pk)
        # A second worker that computed its candidates before the first one committed.
        assert not escalations.fire(notify, ticket.pk)
        assert escalations.candidates(notify, paris("2026-06-09 11:30")) == []
    assert EscalationFiring.objects.filter(rule=notify, ticket=ticket).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.EMAIL_SENT).count() == 1


def test_the_worker_task_flips_states_and_escalates(world, policy, django_capture_on_commit_callbacks):
    breach = rule(policy, at_percent=100, action=EscalationAction.NOTIFY)
    ticket = open_assigned(world)
    with frozen(paris("2026-06-09 11:30")), django_capture_on_commit_callbacks(execute=True):
        tasks.watch_sla_clocks.call_local()
        tasks.watch_sla_clocks.call_local()
    assert sla_of(ticket).resolution_state == ClockState.BREACHED
    assert EscalationFiring.objects.filter(rule=breach, ticket=ticket).count() == 1


def test_paused_clocks_never_escalate(world, policy, run):
    notify = rule(policy, at_percent=100, action=EscalationAction.NOTIFY)
    ticket = open_assigned(world)
    # Monday 11:00: waiting for the customer after 1 h of work (10–11).
    with frozen(paris("2026-06-08 11:00")):
        services.change_status(ticket, TicketStatus.WAITING_CUSTOMER, by=world.tech_a)
    # Wednesday: far past the original due moment, but paused.
    assert run("2026-06-10 10:00") == 0
    # The customer answers on Wednesday 10:00: 7 h left: Wed 10–12 (2 h), 14–18 (4 h), Thu 09–10 (1 h)
    # → due Thursday 11 June 10:00.
    with frozen(paris("2026-06-10 10:00")):
        services.add_comment(ticket, by=world.requester_a, body="Voici les journaux.")
    assert sla_of(ticket).resolution_due_at == paris("2026-06-11 10:00")
    assert run("2026-06-11 09:59") == 0
    assert run("2026-06-11 10:01") == 1
    assert EscalationFiring.objects.filter(rule=notify, ticket=ticket).exists()


def test_a_clock_paused_after_its_due_moment_waits_until_it_runs_again(world, policy, run):
    notify = rule(policy, at_percent=100, action=EscalationAction.NOTIFY)
    ticket = open_assigned(world)
    # Due Tuesday 11:00; put on hold 30 s later, before the worker's next minute.
    with frozen(paris("2026-06-09 11:00:30")):
        services.change_status(ticket, TicketStatus.WAITING_THIRD_PARTY, by=world.tech_a)
        services.change_status(ticket, TicketStatus.WAITING_CUSTOMER, by=world.tech_a)
    sla = sla_of(ticket)
    # Still late (the due moment has passed), but paused: no escalation.
    assert (sla.resolution_state, sla.resolution_paused_since) == (ClockState.BREACHED, paris("2026-06-09 11:00:30"))
    assert run("2026-06-09 11:01") == 0
    assert run("2026-06-09 15:00") == 0
    with frozen(paris("2026-06-09 16:00")):
        services.add_comment(ticket, by=world.requester_a, body="Voilà.")
    assert run("2026-06-09 16:01") == 1
    assert EscalationFiring.objects.filter(rule=notify, ticket=ticket).exists()


def test_stopped_clocks_do_not_escalate(world, policy, run):
    rule(policy, at_percent=100, action=EscalationAction.NOTIFY)
    ticket = open_assigned(world)
    with frozen(paris("2026-06-09 11:30")):
        services.change_status(ticket, TicketStatus.RESOLVED, by=world.tech_a, resolution="Disque remplacé")
    assert run("2026-06-09 11:31") == 0


def test_reassign_at_breach(world, policy, run, django_capture_on_commit_callbacks):
    expert = make_user("xavier.expert@durand.test", world.provider, Role.TECHNICIAN)
    level_two = TechnicianGroup.objects.create(organization=world.provider, name="Niveau 2")
    level_two.members.add(expert)
    level_two.clients.add(world.client_a)
    reassign = rule(
        policy,
        at_percent=100,
        action=EscalationAction.REASSIGN,
        reassign_user=expert,
        reassign_group=level_two,
    )
    ticket = open_assigned(world)
    mail.outbox.clear()
    assert escalations.escalation_actor() == world.admin
    assert run("2026-06-09 11:01") == 1
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.group) == (expert, level_two)
    assert ticket.reassignment_count == 1
    # The assignment event is the line: done as the provider's administrator, tagged with the rule.
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).latest("id")
    assert event.actor == world.admin
    assert (event.data["escalation"], event.data["new_assignee_id"]) == (reassign.pk, expert.pk)
    # The new assignee is told, as for any assignment.
    assert [message.to for message in mail.outbox] == [["xavier.expert@durand.test"]]
    # Reassigned tickets keep their clocks (still breached).
    assert sla_of(ticket).resolution_state == ClockState.BREACHED
    assert run("2026-06-09 12:00") == 0


def test_a_reassignment_that_is_not_allowed_is_written_on_the_timeline(world, policy, run):
    # Tech B does not serve client A.
    reassign = rule(policy, at_percent=100, action=EscalationAction.REASSIGN, reassign_user=world.tech_b)
    ticket = open_assigned(world)
    assert run("2026-06-09 11:01") == 1
    ticket.refresh_from_db()
    assert ticket.assignee == world.tech_a
    firing = EscalationFiring.objects.get(rule=reassign, ticket=ticket)
    assert "error" in firing.detail
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).latest("id")
    assert event.is_internal and event.data["escalation"] == reassign.pk and event.data["error"]
    line = build_timeline(ticket, user=world.tech_a, staff=True).entries[-1]
    assert line.detail == event.data["error"]


def test_raise_priority_once_and_never_above_p1(world, policy, run):
    policy.targets.create(priority=P1, response_minutes=15, resolution_minutes=120)
    raise_rule = rule(policy, clock="response", at_percent=75, action=EscalationAction.RAISE_PRIORITY)
    with frozen(paris("2026-06-08 10:00")):
        moderate = services.open_ticket(by=world.requester_a, organization=world.client_a, title="Lenteurs")
        critical = services.open_ticket(
            by=world.requester_a, organization=world.client_a, title="Tout est arrêté", impact=Level.HIGH, urgency=Level.HIGH
        )
    # 10:46: the P3 response clock (1 h) has used 46 min ≥ 45 min; the P1's (15 min) is long past 75 %.
    assert run("2026-06-08 10:46") == 2
    moderate.refresh_from_db()
    critical.refresh_from_db()
    assert (moderate.priority, critical.priority) == (P2, P1)
    raised = TicketEvent.objects.get(ticket=moderate, kind=EventKind.PRIORITY)
    assert raised.is_internal
    assert (raised.data["old"], raised.data["new"], raised.data["escalation"]) == (P3, P2, raise_rule.pk)
    kept = TicketEvent.objects.get(ticket=critical, kind=EventKind.PRIORITY)
    assert (kept.data["old"], kept.data["new"], kept.data["unchanged"]) == (P1, P1, True)
    # The clocks now follow the P2 target: response 30 min, due 10:30, passed → breached.
    sla = sla_of(moderate)
    assert (sla.response_target_minutes, sla.response_due_at) == (30, paris("2026-06-08 10:30"))
    assert sla.response_state == ClockState.BREACHED
    # Resolution 4 h: 10–12, 14–16 → 16:00.
    assert sla.resolution_due_at == paris("2026-06-08 16:00")
    # Once per rule and ticket: later runs raise nothing more.
    assert run("2026-06-08 11:30") == 0
    moderate.refresh_from_db()
    assert moderate.priority == P2
    # Editing the title keeps the raised priority; changing the urgency applies the matrix again.
    with frozen(paris("2026-06-08 11:40")):
        moderate = services.update_ticket(moderate, by=world.tech_a, title="Lenteurs générales")
        assert moderate.priority == P2
        moderate = services.update_ticket(moderate, by=world.tech_a, urgency=Level.LOW)
        assert moderate.priority == P4
    summaries = [entry.summary for entry in build_timeline(critical, user=world.tech_a, staff=True).entries]
    assert any("P1" in summary and "75" in summary for summary in summaries)


def test_rules_only_for_their_priorities_and_policy(world, policy, run):
    other_office = make_calendar(world.client_b)
    other_policy = make_policy(world.client_b, other_office, {P3: (60, 480)})
    p2_only = rule(policy, at_percent=100, priorities=[P2], action=EscalationAction.NOTIFY)
    other = rule(other_policy, at_percent=100, action=EscalationAction.NOTIFY)
    inactive = rule(policy, at_percent=100, action=EscalationAction.NOTIFY, is_active=False)
    open_assigned(world)  # P3 under client A's policy
    assert run("2026-06-09 12:00") == 0
    assert not EscalationFiring.objects.filter(rule__in=[p2_only, other, inactive]).exists()


def test_inside_suppressed_notifications_an_escalation_is_recorded_not_mailed(world, policy, run):
    from vigie.notifications.dispatch import notifications_suppressed

    notify = rule(policy, at_percent=75, action=EscalationAction.NOTIFY)
    ticket = open_assigned(world)
    mail.outbox.clear()
    with notifications_suppressed():
        assert run("2026-06-08 18:01") == 1
    firing = EscalationFiring.objects.get(rule=notify, ticket=ticket)
    assert firing.detail["to"] == []
    assert not OutboundEmail.objects.filter(ticket=ticket, kind=OutboundKind.ESCALATION).exists()
    assert mail.outbox == []
    # Fired once: running again outside the block sends nothing either.
    assert run("2026-06-08 18:05") == 0
    assert mail.outbox == []
