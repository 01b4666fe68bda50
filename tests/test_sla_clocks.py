"""SLA clocks of tickets driven through the real services (the hooks in ``_after_change`` run).

Unless a test says otherwise: client A has the "office" calendar (Monday–Friday 09:00–12:00 and
14:00–18:00, French holidays, Europe/Paris) and a policy with P3 targets of 1 h (response) and
8 h (resolution). Every expectation is computed by hand in the comment next to it; June 2026:
Monday 8, Friday 12, Monday 15.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from tests.sla_support import MONTREAL, frozen, local, make_calendar, make_policy, paris, sla_of
from vigie.servicedesk import services
from vigie.servicedesk.models import Category, Level, Ticket, TicketStatus
from vigie.sla import clocks, storage
from vigie.sla.models import ClockState, TicketSla

pytestmark = pytest.mark.django_db

HOUR = 3600
P1, P2, P3 = 1, 2, 3


@pytest.fixture
def office(world):
    return make_calendar(world.client_a)


@pytest.fixture
def standard(world, office):
    return make_policy(world.client_a, office, {P3: (60, 8 * 60)})


def open_ticket(world, *, by=None, organization=None, **fields):
    return services.open_ticket(
        by=by or world.requester_a, organization=organization or world.client_a, title="Imprimante en panne", **fields
    )


def reply(ticket, user, body="Nous regardons."):
    services.add_comment(ticket, by=user, body=body)


def status(ticket, target, by, resolution=""):
    return services.change_status(ticket, target, by=by, resolution=resolution)


def test_running_clock_due_dates_and_states(world, standard):
    with frozen(paris("2026-06-08 10:00")) as clock:
        ticket = open_ticket(world)
        sla = sla_of(ticket)
        assert sla.policy == standard
        assert (sla.response_target_minutes, sla.resolution_target_minutes) == (60, 480)
        # Response: 10:00 + 1 h → 11:00; at risk at 75 % = 45 min → 10:45.
        assert sla.response_due_at == paris("2026-06-08 11:00")
        assert sla.response_at_risk_at == paris("2026-06-08 10:45")
        # Resolution 8 h: Mon 10–12 (2 h) + 14–18 (4 h) = 6 h, Tue 09–11 (2 h) → Tue 9 June 11:00.
        assert sla.resolution_due_at == paris("2026-06-09 11:00")
        # At risk at 6 h used: reached at Monday 18:00 (the earliest moment with 6 h used).
        assert sla.resolution_at_risk_at == paris("2026-06-08 18:00")
        assert (sla.response_state, sla.resolution_state) == (ClockState.RUNNING, ClockState.RUNNING)
        assert sla.response_met is None and sla.resolution_met is None

        # 10:50: 50 min used ≥ 45 min → the response clock is at risk.
        clock.move_to(paris("2026-06-08 10:50"))
        sla = clocks.refresh(ticket)
        assert sla.response_state == ClockState.AT_RISK
        assert sla.response_elapsed_seconds == 50 * 60
        assert sla.resolution_state == ClockState.RUNNING

        # 11:00:01: past the response due moment → breached; the due date stays 11:00.
        clock.move_to(paris("2026-06-08 11:00:01"))
        sla = clocks.refresh(ticket)
        assert sla.response_state == ClockState.BREACHED
        assert sla.response_due_at == paris("2026-06-08 11:00")


def test_periodic_pass_flips_states_like_a_full_recompute(world, standard):
    with frozen(paris("2026-06-08 10:00")) as clock:
        ticket = open_ticket(world)
    # Monday 18:30, no change on the ticket: the cheap pass flips by the stored moments.
    with frozen(paris("2026-06-08 18:30")):
        # Response due 11:00 passed → breached; resolution at risk since 18:00.
        assert clocks.advance_states() == 2
        sla = sla_of(ticket)
        assert (sla.response_state, sla.resolution_state) == (ClockState.BREACHED, ClockState.AT_RISK)
        assert list(TicketSla.objects.breached()) == [sla]
        assert not TicketSla.objects.at_risk().exists()  # breached wins
        full = clocks.refresh(ticket)
        assert (full.response_state, full.resolution_state) == (ClockState.BREACHED, ClockState.AT_RISK)
    # Tuesday 11:01: resolution due at 11:00 → breached.
    with frozen(paris("2026-06-09 11:01")) as clock:
        assert clocks.advance_states() == 1
        assert sla_of(ticket).resolution_state == ClockState.BREACHED
        assert clocks.refresh(ticket).resolution_state == ClockState.BREACHED
        # Nothing left to flip.
        clock.move_to(paris("2026-06-09 11:02"))
        assert clocks.advance_states() == 0


def test_response_and_resolution_met_or_missed(world, standard):
    with frozen(paris("2026-06-08 10:00")) as clock:
        met = open_ticket(world)
        missed = open_ticket(world)
        # A public reply from staff at 10:40: response met after 40 min.
        clock.move_to(paris("2026-06-08 10:40"))
        reply(met, world.tech_a)
        # An internal note is not a response.
        services.add_comment(missed, by=world.tech_a, body="à voir", internal=True)
        assert sla_of(missed).response_state == ClockState.RUNNING
        # Tue 10:30: 6 h on Monday + 1 h 30 on Tuesday = 7 h 30 ≤ 8 h → met.
        clock.move_to(paris("2026-06-09 10:30"))
        status(met, TicketStatus.RESOLVED, world.tech_a, "Toner remplacé")
        # Tue 11:30: 6 h + 2 h 30 = 8 h 30 > 8 h → missed (due Tue 11:00).
        clock.move_to(paris("2026-06-09 11:30"))
        reply(missed, world.tech_a)
        status(missed, TicketStatus.RESOLVED, world.tech_a, "Toner remplacé")
    good = sla_of(met)
    assert (good.response_state, good.response_met, good.response_elapsed_seconds) == (ClockState.MET, True, 40 * 60)
    assert (good.resolution_state, good.resolution_met) == (ClockState.MET, True)
    assert good.resolution_elapsed_seconds == int(7.5 * HOUR)
    assert good.resolution_due_at == paris("2026-06-09 11:00")
    late = sla_of(missed)
    # Its first reply came at Tue 11:30: 8 h 30 of business time for a 1 h target.
    assert (late.response_state, late.response_met, late.response_elapsed_seconds) == (ClockState.MISSED, False, int(8.5 * HOUR))
    assert (late.resolution_state, late.resolution_met) == (ClockState.MISSED, False)
    assert late.resolution_elapsed_seconds == int(8.5 * HOUR)
    assert late.resolution_due_at == paris("2026-06-09 11:00")
    # Closing keeps the outcome.
    with frozen(paris("2026-06-10 09:00")):
        status(met, TicketStatus.CLOSED, world.tech_a)
    assert (sla_of(met).resolution_state, sla_of(met).resolution_met) == (ClockState.MET, True)


def test_a_resolution_before_any_reply_counts_as_the_response(world, standard):
    with frozen(paris("2026-06-08 09:00")) as clock:
        ticket = open_ticket(world)
        clock.move_to(paris("2026-06-08 09:40"))
        status(ticket, TicketStatus.RESOLVED, world.tech_a, "Redémarré")
    sla = sla_of(ticket)
    # 40 min ≤ 60 min.
    assert (sla.response_state, sla.response_met, sla.response_elapsed_seconds) == (ClockState.MET, True, 40 * 60)
    assert (sla.resolution_state, sla.resolution_met, sla.resolution_elapsed_seconds) == (ClockState.MET, True, 40 * 60)


def test_pause_spanning_a_weekend(world, standard):
    with frozen(paris("2026-06-12 16:00")) as clock:  # Friday
        ticket = open_ticket(world)
        clock.move_to(paris("2026-06-12 16:30"))
        reply(ticket, world.tech_a, "Pouvez-vous redémarrer le poste ?")
        clock.move_to(paris("2026-06-12 17:00"))
        status(ticket, TicketStatus.WAITING_CUSTOMER, world.tech_a)
        sla = sla_of(ticket)
        # Fri 16:00–17:00 counted (1 h); waiting for the customer pauses the resolution clock.
        assert sla.resolution_state == ClockState.PAUSED
        assert sla.resolution_due_at is None and sla.resolution_at_risk_at is None
        assert sla.resolution_paused_since == paris("2026-06-12 17:00")
        assert sla.resolution_elapsed_seconds == HOUR
        # The response clock is not paused by default: met after 30 min.
        assert (sla.response_state, sla.response_elapsed_seconds) == (ClockState.MET, 30 * 60)

        # Saturday noon: still paused, still 1 h; the periodic pass leaves it alone.
        clock.move_to(paris("2026-06-13 12:00"))
        assert clocks.advance_states() == 0
        sla = clocks.refresh(ticket)
        assert (sla.resolution_state, sla.resolution_elapsed_seconds) == (ClockState.PAUSED, HOUR)

        # Monday 11:00 the customer answers: the ticket goes back in progress.
        clock.move_to(paris("2026-06-15 11:00"))
        reply(ticket, world.requester_a, "C'est fait, toujours en panne.")
        assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.IN_PROGRESS
        sla = sla_of(ticket)
    # Paused business time: Fri 17–18 (1 h) + Mon 09–11 (2 h) = 3 h; the weekend is closed anyway.
    assert sla.resolution_paused_seconds == 3 * HOUR
    assert sla.resolution_paused_since is None
    # Used 1 h, 7 h left from Mon 11:00: 11–12 (1 h), 14–18 (4 h), Tue 09–11 (2 h) → Tue 16 June 11:00.
    assert sla.resolution_elapsed_seconds == HOUR
    assert sla.resolution_due_at == paris("2026-06-16 11:00")
    # At risk at 6 h used: 1 h + 11–12 + 14–18 = 6 h at Monday 18:00.
    assert sla.resolution_at_risk_at == paris("2026-06-15 18:00")
    assert sla.resolution_state == ClockState.RUNNING


def test_priority_change_after_a_pause(world, office):
    make_policy(world.client_a, office, {P2: (30, 4 * 60), P3: (60, 8 * 60)})
    with frozen(paris("2026-06-08 09:00")) as clock:
        ticket = open_ticket(world)  # medium × medium → P3
        assert ticket.priority == P3
        clock.move_to(paris("2026-06-08 09:05"))
        reply(ticket, world.tech_a)
        clock.move_to(paris("2026-06-08 10:00"))
        status(ticket, TicketStatus.WAITING_CUSTOMER, world.tech_a)
        clock.move_to(paris("2026-06-08 14:00"))
        reply(ticket, world.requester_a, "Voici la capture.")
        # Before the change, P3: used 09–10 (1 h), paused 10–12 (2 h); 7 h left from 14:00:
        # 14–18 (4 h), Tue 09–12 (3 h) → Tue 9 June 12:00.
        assert sla_of(ticket).resolution_due_at == paris("2026-06-09 12:00")
        clock.move_to(paris("2026-06-08 15:00"))
        ticket = services.update_ticket(ticket, by=world.tech_a, impact=Level.HIGH)  # high × medium → P2
        assert ticket.priority == P2
        sla = sla_of(ticket)
    # The P2 target (4 h) applies to the whole life, the past pause kept:
    # used 09–10 and 14–15 = 2 h, paused 10–12 = 2 h; 2 h left from 15:00 → Monday 17:00.
    # (Ignoring the pause would have made it due at 13:00, already breached.)
    assert sla.resolution_target_minutes == 240
    assert sla.resolution_elapsed_seconds == 2 * HOUR
    assert sla.resolution_paused_seconds == 2 * HOUR
    assert sla.resolution_due_at == paris("2026-06-08 17:00")
    # At risk at 3 h used → 16:00; the response (5 min) is re-judged on the 30 min target: met.
    assert sla.resolution_at_risk_at == paris("2026-06-08 16:00")
    assert sla.resolution_state == ClockState.RUNNING
    assert (sla.response_target_minutes, sla.response_state, sla.response_met) == (30, ClockState.MET, True)


def test_policy_change(world, office):
    network = Category.objects.create(name="Réseau")
    wifi = Category.objects.create(name="Wi-Fi", parent=network)
    standard = make_policy(world.client_a, office, {P3: (60, 8 * 60)}, name="Standard", order=100)
    network_policy = make_policy(world.client_a, office, {P3: (30, 4 * 60)}, name="Réseau", order=10, category=network)
    with frozen(paris("2026-06-08 09:00")) as clock:
        ticket = open_ticket(world)
        # No category: Standard, 8 h: Mon 09–12, 14–18 (7 h) + Tue 09–10 → Tue 9 June 10:00.
        assert sla_of(ticket).policy == standard
        assert sla_of(ticket).resolution_due_at == paris("2026-06-09 10:00")
        clock.move_to(paris("2026-06-08 11:00"))
        services.update_ticket(ticket, by=world.tech_a, category=wifi)
        sla = sla_of(ticket)
        # Wi-Fi is below Réseau: the Réseau policy (tried first) applies from creation, 4 h:
        # Mon 09–12 (3 h) + 14–15 (1 h) → Monday 15:00. The response (30 min) was due at 09:30:
        # 2 h used without reply → breached.
        assert sla.policy == network_policy
        assert sla.resolution_due_at == paris("2026-06-08 15:00")
        assert sla.response_due_at == paris("2026-06-08 09:30")
        assert sla.response_state == ClockState.BREACHED

        # The provider switches the Réseau policy off: its client's open tickets are recomputed.
        clock.move_to(paris("2026-06-08 11:30"))
        network_policy.is_active = False
        network_policy.save()
        assert clocks.recompute_for_policy(network_policy) == 1
        sla = sla_of(ticket)
        assert sla.policy == standard
        assert sla.resolution_due_at == paris("2026-06-09 10:00")


def test_matching_by_type_and_order(world, office):
    from vigie.servicedesk.models import TicketType

    make_policy(world.client_a, office, {P3: (60, 480)}, name="Demandes", order=5, ticket_type=TicketType.REQUEST)
    incidents = make_policy(world.client_a, office, {P3: (30, 240)}, name="Incidents", order=7)
    with frozen(paris("2026-06-08 09:00")):
        request = open_ticket(world, type=TicketType.REQUEST)
        incident = open_ticket(world)
    assert sla_of(request).policy.name == "Demandes"
    assert sla_of(incident).policy == incidents


def test_24x7_p1_beside_office_hours_p3(world, office):
    around_the_clock = make_calendar(world.client_a, "24×7", is_24x7=True)
    make_policy(world.client_a, office, {P1: (15, 4 * 60), P3: (60, 8 * 60)}, target_calendars={P1: around_the_clock})
    with frozen(paris("2026-06-12 18:30")):  # Friday, after closing time
        critical = open_ticket(world, impact=Level.HIGH, urgency=Level.HIGH)
        moderate = open_ticket(world)
    assert (critical.priority, moderate.priority) == (P1, P3)
    p1, p3 = sla_of(critical), sla_of(moderate)
    # P1, around the clock: response 18:45, resolution 22:30 the same Friday.
    assert p1.response_due_at == paris("2026-06-12 18:45")
    assert p1.resolution_due_at == paris("2026-06-12 22:30")
    # P3, office hours: nothing counts before Monday 09:00. Response → Mon 10:00;
    # resolution 8 h: Mon 09–12, 14–18 (7 h) + Tue 09–10 → Tue 16 June 10:00.
    assert p3.response_due_at == paris("2026-06-15 10:00")
    assert p3.resolution_due_at == paris("2026-06-16 10:00")
    # Saturday 02:00: the P1 is breached (both clocks), the P3 has used nothing.
    with frozen(paris("2026-06-13 02:00")):
        assert clocks.refresh(critical).resolution_state == ClockState.BREACHED
        later = clocks.refresh(moderate)
    assert (later.resolution_state, later.resolution_elapsed_seconds) == (ClockState.RUNNING, 0)


def test_24x7_p1_across_the_daylight_saving_changes(world):
    around_the_clock = make_calendar(world.client_a, "24×7", is_24x7=True)
    make_policy(world.client_a, around_the_clock, {P1: (15, 4 * 60)})
    # 29 March 2026 01:30 CET (00:30 UTC) + 4 h = 04:30 UTC = 06:30 CEST.
    with frozen(paris("2026-03-29 01:30")):
        spring = open_ticket(world, impact=Level.HIGH, urgency=Level.HIGH)
    assert sla_of(spring).resolution_due_at == paris("2026-03-29 06:30")
    # 25 October 2026 01:30 CEST (23:30 UTC the 24th) + 4 h = 03:30 UTC = 04:30 CET.
    with frozen(paris("2026-10-25 01:30")):
        autumn = open_ticket(world, impact=Level.HIGH, urgency=Level.HIGH)
    assert sla_of(autumn).resolution_due_at == paris("2026-10-25 04:30")


def test_office_hours_across_the_spring_change(world):
    # Open every day 01:00–04:00: on 29 March 2026 the range lasts 2 h (02:00–03:00 does not exist).
    nights = make_calendar(world.client_a, "Nuits", days=range(7), ranges=[(1, 0, 4, 0)], country="")
    make_policy(world.client_a, nights, {P3: (60, 3 * 60)})
    with frozen(paris("2026-03-29 01:00")):
        ticket = open_ticket(world)
    # 3 h: 29 March 01:00 CET–04:00 CEST (2 h) + 30 March 01:00–02:00 → 30 March 02:00.
    assert sla_of(ticket).resolution_due_at == paris("2026-03-30 02:00")


def test_calendars_in_two_time_zones(world, standard):
    montreal = make_calendar(
        world.client_b, "Montréal", time_zone="America/Montreal", ranges=[(9, 0, 17, 0)], country="CA", subdivision="QC"
    )
    make_policy(world.client_b, montreal, {P3: (60, 8 * 60)})
    # Mon 8 June 2026 15:00 Paris (UTC+2) = 09:00 Montreal (UTC−4).
    with frozen(paris("2026-06-08 15:00")):
        in_paris = open_ticket(world)
        in_montreal = open_ticket(world, by=world.requester_b, organization=world.client_b)
    # Montreal 09:00–17:00 is exactly 8 h: due 17:00 Montreal = 23:00 Paris the same day.
    assert sla_of(in_montreal).resolution_due_at == local("2026-06-08 17:00", MONTREAL)
    assert sla_of(in_montreal).resolution_due_at == paris("2026-06-08 23:00")
    # Paris: Mon 15–18 (3 h), Tue 09–12 (3 h), 14–16 (2 h) → Tue 9 June 16:00.
    assert sla_of(in_paris).resolution_due_at == paris("2026-06-09 16:00")


def test_reopen_after_resolve(world, standard):
    with frozen(paris("2026-06-08 09:00")) as clock:
        ticket = open_ticket(world)
        clock.move_to(paris("2026-06-08 09:30"))
        reply(ticket, world.tech_a)
        clock.move_to(paris("2026-06-08 11:00"))
        status(ticket, TicketStatus.RESOLVED, world.tech_a, "Pilote réinstallé")
        resolved = sla_of(ticket)
        # Resolved after 2 h: met, stopped.
        assert (resolved.resolution_state, resolved.resolution_met, resolved.resolution_elapsed_seconds) == (
            ClockState.MET,
            True,
            2 * HOUR,
        )
        # Wednesday 10:00 the requester writes back: reopened.
        clock.move_to(paris("2026-06-10 10:00"))
        reply(ticket, world.requester_a, "Le problème est revenu.")
        assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.IN_PROGRESS
        reopened = sla_of(ticket)
        # The 2 days resolved do not count: 2 h used, 6 h left from Wed 10:00:
        # 10–12 (2 h), 14–18 (4 h) → Wednesday 10 June 18:00. The response stays met.
        assert reopened.resolution_state == ClockState.RUNNING
        assert reopened.resolution_met is None
        assert reopened.resolution_elapsed_seconds == 2 * HOUR
        assert reopened.resolution_due_at == paris("2026-06-10 18:00")
        assert (reopened.response_state, reopened.response_met) == (ClockState.MET, True)
        # Resolved again Thursday 10:00: 2 h + Wed 6 h + Thu 09–10 (1 h) = 9 h > 8 h → missed.
        clock.move_to(paris("2026-06-11 10:00"))
        status(ticket, TicketStatus.RESOLVED, world.tech_a, "Imprimante remplacée")
    final = sla_of(ticket)
    assert (final.resolution_state, final.resolution_met, final.resolution_elapsed_seconds) == (
        ClockState.MISSED,
        False,
        9 * HOUR,
    )


def test_cancelled_tickets_have_no_outcome(world, standard):
    with frozen(paris("2026-06-08 09:00")) as clock:
        ticket = open_ticket(world)
        answered = open_ticket(world)
        clock.move_to(paris("2026-06-08 09:20"))
        reply(answered, world.tech_a)
        clock.move_to(paris("2026-06-08 10:00"))
        status(ticket, TicketStatus.CANCELLED, world.tech_a)
        status(answered, TicketStatus.CANCELLED, world.tech_a)
    for cancelled in (sla_of(ticket), sla_of(answered)):
        assert (cancelled.response_state, cancelled.resolution_state) == (ClockState.NONE, ClockState.NONE)
        assert (cancelled.response_met, cancelled.resolution_met) == (None, None)
        assert (cancelled.response_due_at, cancelled.resolution_due_at) == (None, None)
        assert cancelled.policy is not None
        # The time used is still recorded: 1 h.
        assert cancelled.resolution_elapsed_seconds == HOUR


def test_response_pause_statuses(world, office):
    make_policy(world.client_a, office, {P3: (45, 480)}, response_pause_statuses=["waiting_third_party"])
    with frozen(paris("2026-06-08 09:00")) as clock:
        ticket = open_ticket(world)
        clock.move_to(paris("2026-06-08 09:10"))
        status(ticket, TicketStatus.WAITING_THIRD_PARTY, world.tech_a)
        assert sla_of(ticket).response_state == ClockState.PAUSED
        clock.move_to(paris("2026-06-08 10:10"))
        status(ticket, TicketStatus.IN_PROGRESS, world.tech_a)
        # 10 min used, 35 min left → 10:45.
        assert sla_of(ticket).response_due_at == paris("2026-06-08 10:45")
        clock.move_to(paris("2026-06-08 10:30"))
        reply(ticket, world.tech_a)
    sla = sla_of(ticket)
    # Response: 09:00–09:10 + 10:10–10:30 = 30 min ≤ 45 min; the hour waiting for the third party is paused.
    assert (sla.response_state, sla.response_elapsed_seconds) == (ClockState.MET, 30 * 60)
    # The resolution clock is not paused by a third party (default pauses: waiting for customer only).
    assert sla.resolution_elapsed_seconds == int(1.5 * HOUR)


def test_custom_at_risk_share(world, office):
    make_policy(world.client_a, office, {P3: (60, 4 * 60)}, at_risk_percent=50)
    with frozen(paris("2026-06-08 09:00")) as clock:
        ticket = open_ticket(world)
        # 50 % of 4 h = 2 h → 11:00.
        assert sla_of(ticket).resolution_at_risk_at == paris("2026-06-08 11:00")
        clock.move_to(paris("2026-06-08 11:00"))
        assert clocks.refresh(ticket).resolution_state == ClockState.AT_RISK


def test_tickets_without_policy_or_target(world, office):
    make_policy(world.client_a, office, {P1: (15, 240)})
    with frozen(paris("2026-06-08 09:00")):
        no_target = open_ticket(world)  # P3: the policy has no P3 target
        no_policy = open_ticket(world, by=world.requester_b, organization=world.client_b)
    for ticket, has_policy in ((no_target, True), (no_policy, False)):
        sla = sla_of(ticket)
        assert (sla.policy is not None) == has_policy
        assert (sla.response_state, sla.resolution_state) == (ClockState.NONE, ClockState.NONE)
        assert (sla.response_due_at, sla.resolution_due_at, sla.response_target_minutes) == (None, None, None)


def test_imported_outcomes_are_never_recomputed(world, standard):
    with frozen(paris("2026-06-08 09:00")) as clock:
        ticket = open_ticket(world)
        TicketSla.objects.filter(pk=ticket.pk).update(
            imported=True, resolution_met=False, resolution_state=ClockState.MISSED, resolution_due_at=None
        )
        clock.move_to(paris("2026-06-08 09:30"))
        status(ticket, TicketStatus.RESOLVED, world.tech_a, "Fait")
        assert clocks.refresh(ticket).imported
        assert clocks.recompute([ticket]).written == 0
    sla = sla_of(ticket)
    assert (sla.imported, sla.resolution_met, sla.resolution_state) == (True, False, ClockState.MISSED)


def _snapshot(ticket_ids):
    fields = [name for name in storage.COMPUTED_FIELDS if name != "computed_at"]
    return {row["ticket_id"]: row for row in TicketSla.objects.filter(ticket_id__in=ticket_ids).values("ticket_id", *fields)}


def test_bulk_recompute_matches_refresh(world, office):
    around_the_clock = make_calendar(world.client_a, "24×7", is_24x7=True)
    make_policy(world.client_a, office, {P1: (15, 240), P3: (60, 480)}, target_calendars={P1: around_the_clock})
    ids = []
    with frozen(paris("2026-06-08 09:00")) as clock:
        for index in range(6):
            ticket = open_ticket(world, impact=Level.HIGH if index % 3 == 0 else Level.MEDIUM, urgency=Level.HIGH)
            ids.append(ticket.pk)
            clock.move_to(paris("2026-06-08 09:00") + timedelta(minutes=37 * (index + 1)))
            if index % 2:
                reply(ticket, world.tech_a)
                status(ticket, TicketStatus.WAITING_CUSTOMER, world.tech_a)
            if index == 4:
                clock.move_to(paris("2026-06-08 16:00"))
                reply(ticket, world.requester_a, "ok")
                status(ticket, TicketStatus.RESOLVED, world.tech_a, "ok")
        no_policy = open_ticket(world, by=world.requester_b, organization=world.client_b)
        ids.append(no_policy.pk)
    now = paris("2026-06-09 15:00")
    with frozen(now):
        for pk in ids:
            clocks.refresh(Ticket.objects.get(pk=pk))
        expected = _snapshot(ids)
        TicketSla.objects.all().delete()
        summary = clocks.recompute(Ticket.objects.filter(pk__in=ids), chunk_size=4)
    assert summary.tickets == len(ids) == summary.written
    assert _snapshot(ids) == expected
    with frozen(now):
        # The open ones (all but the resolved one): and recomputing again writes them again.
        assert clocks.recompute_open() == len(ids) - 1


def test_bulk_recompute_does_not_overwrite_a_newer_refresh(world, standard):
    with frozen(paris("2026-06-08 09:00")):
        ticket = open_ticket(world)
    with frozen(paris("2026-06-08 10:00")):
        clocks.refresh(ticket)
    # A run that read its tickets at 09:30 must not write over the 10:00 result.
    assert storage.upsert([clocks.compute(clocks.facts_for(ticket), None, lambda _pk: None, paris("2026-06-08 09:30"))],
        newer_than_guard=paris("2026-06-08 09:30")) == 0  # fmt: skip
    assert sla_of(ticket).computed_at == paris("2026-06-08 10:00")


def test_recompute_command(world, standard):
    with frozen(paris("2026-06-08 09:00")):
        open_ticket(world)
        open_ticket(world)
        finished = open_ticket(world)
        status(finished, TicketStatus.RESOLVED, world.tech_a, "ok")
        open_ticket(world, by=world.requester_b, organization=world.client_b)
        out = StringIO()
        call_command("sla", "recompute", stdout=out)
        assert out.getvalue().startswith("3 ")
        out = StringIO()
        call_command("sla", "recompute", "--all", "--organization", "martin", stdout=out)
        assert out.getvalue().startswith("3 ")  # client A: 3 tickets, one finished
        out = StringIO()
        call_command("sla", "recompute", "--all", stdout=out)
        assert out.getvalue().startswith("4 ")
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("sla", "recompute", "--organization", "nobody")


def test_calendar_change_recomputes_the_open_tickets_of_its_clients(world, office, standard):
    from datetime import date

    from vigie.sla.models import CalendarClosure

    with frozen(paris("2026-06-08 09:00")):
        ticket = open_ticket(world)
        done = open_ticket(world)
        status(done, TicketStatus.RESOLVED, world.tech_a, "ok")
        # 8 h: Monday 09–12, 14–18 (7 h) + Tuesday 09–10 → Tue 9 June 10:00.
        assert sla_of(ticket).resolution_due_at == paris("2026-06-09 10:00")
        # The client closes on Tuesday 9 June: its open tickets are recomputed → Wed 10 June 10:00.
        CalendarClosure.objects.create(calendar=office, date=date(2026, 6, 9), name="Inventaire")
        assert clocks.recompute_for_calendar(office) == 1
    assert sla_of(ticket).resolution_due_at == paris("2026-06-10 10:00")
    # Another client's calendar changing touches nothing here.
    elsewhere = make_calendar(world.client_b, "Ailleurs")
    assert clocks.recompute_for_calendar(elsewhere) == 0
