"""The KPIs (vigie.reports.kpis) against figures computed by hand, on SQLite and PostgreSQL.

Every expected value has its arithmetic in a comment. The reporting month is March 2026 in
Europe/Paris (see tests/kpi_support.py): 2026-02-28 23:00 UTC → 2026-03-31 22:00 UTC.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import World
from tests.kpi_support import (
    APRIL_15,
    MARCH,
    PARIS,
    answer,
    clocks,
    link_service,
    note,
    open_ticket,
    outage,
    resolve,
    set_status,
    survey,
    utc,
)
from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.reports.dashboards import ProviderTotals
from vigie.reports.kpis import (
    Compliance,
    DurationStats,
    KpiFilter,
    TrendPoint,
    compute,
    compute_by_client,
    filter_from_params,
    month_bounds,
    monthly,
    monthly_trend,
    months_from_params,
    opened_by_category,
    unknown_parameters,
)
from vigie.reports.kpis.availability import merged_seconds
from vigie.reports.kpis.expressions import percentile_cont
from vigie.reports.models import FiguresMonth
from vigie.servicedesk import services
from vigie.servicedesk.conversation import rebuild_conversation_facts
from vigie.servicedesk.models import Category, Level, Ticket, TicketStatus, TicketType
from vigie.sla.models import ClockState
from vigie.tenancy.models import Organization

pytestmark = pytest.mark.django_db

NOTHING = DurationStats(count=0, mean=None, median=None, p90=None)


def fresh(user: User) -> User:
    """The same user without the access cached on the object (as in a new request)."""
    return User.objects.get(pk=user.pk)


# Periods and the percentile formula


def test_a_month_is_its_local_midnights_and_dst_months_are_an_hour_off() -> None:
    assert MARCH.start == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert MARCH.end == datetime(2026, 3, 31, 22, tzinfo=UTC)
    assert MARCH.seconds == 743 * 3600  # 31 × 24 − 1: clocks went forward on 29 March
    assert KpiFilter.for_month(2026, 10, "Europe/Paris").seconds == 745 * 3600  # and back on 25 October
    assert KpiFilter.for_month(2026, 2, PARIS).seconds == 28 * 24 * 3600
    december = KpiFilter.for_month(2026, 12, PARIS, priority=1)
    assert (december.end, december.priority) == (datetime(2027, 1, 1, tzinfo=PARIS), 1)
    assert month_bounds(2026, 0, PARIS) == (datetime(2025, 12, 1, tzinfo=PARIS), datetime(2026, 1, 1, tzinfo=PARIS))
    assert month_bounds(2026, -13, PARIS)[0] == datetime(2024, 11, 1, tzinfo=PARIS)


def test_percentile_is_postgresqls_percentile_cont() -> None:
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([7.0], 0.9) == 7.0
    # 4 values: the median sits at position 0.5 × 3 = 1.5, halfway between 20 and 30.
    assert percentile_cont([10.0, 20.0, 30.0, 40.0], 0.5) == 25.0
    # P90 at 0.9 × 3 = 2.7: 30 + 0.7 × (40 − 30) = 37.
    assert percentile_cont([10.0, 20.0, 30.0, 40.0], 0.9) == pytest.approx(37.0)


def test_merged_outages_count_overlaps_once() -> None:
    hour = timedelta(hours=1)
    base = utc("2026-03-10 08:00")
    # 08–10 and 09–11 overlap: 3 h; 12–13 apart: 1 h; a reversed interval counts nothing.
    intervals = [(base, base + 2 * hour), (base + hour, base + 3 * hour), (base + 4 * hour, base + 5 * hour), (base, base - hour)]
    assert merged_seconds(intervals) == 4 * 3600
    # One interval inside another.
    assert merged_seconds([(base, base + 5 * hour), (base + hour, base + 2 * hour)]) == 5 * 3600
    assert merged_seconds([]) == 0


# Volume


def test_volume_counts_what_was_opened_in_the_local_month(world: World) -> None:
    hardware = Category.objects.create(name="Matériel")
    printers = Category.objects.create(name="Imprimante", parent=hardware)
    software = Category.objects.create(name="Logiciel")
    tech, a = world.tech_a, world.client_a
    # 23:30 UTC on 28 February is 00:30 on 1 March in Paris: March.
    open_ticket(tech, a, "2026-02-28 23:30", channel="phone", category=printers)
    open_ticket(tech, a, "2026-03-15 10:00", channel="email", category=printers, type=TicketType.REQUEST)
    # 21:59 UTC on 31 March is 23:59 in Paris (summer time): still March.
    open_ticket(tech, a, "2026-03-31 21:59", channel="portal")
    cancelled = open_ticket(tech, a, "2026-03-20 09:00", channel="api", category=software)
    set_status(cancelled, TicketStatus.CANCELLED, tech, "2026-03-20 10:00")
    # Midnight on 1 April in Paris, and 23:59 on 28 February: not March.
    open_ticket(tech, a, "2026-03-31 22:00")
    open_ticket(tech, a, "2026-02-28 22:59")
    open_ticket(world.tech_b, world.client_b, "2026-03-10 10:00")

    report = compute(world.manager_a, MARCH, now=APRIL_15)
    assert report.opened == 4
    assert report.opened_by_type == {"incident": 3, "request": 1}
    assert report.opened_by_channel == {"portal": 1, "email": 1, "phone": 1, "api": 1, "staff": 0, "monitoring": 0}
    # Largest first, then by name ("" before "Logiciel").
    assert report.opened_by_category == [("Matériel › Imprimante", 2), ("", 1), ("Logiciel", 1)]
    assert compute(world.admin, MARCH, now=APRIL_15).opened == 5
    # The review's look back at earlier months asks for the categories alone: the same counts.
    assert opened_by_category(world.manager_a, MARCH) == report.opened_by_category
    assert sum(count for _name, count in opened_by_category(world.admin, MARCH)) == 5


# MTTA and MTTR


def _durations_world(world: World) -> None:
    tech, a = world.tech_a, world.client_a
    d1 = open_ticket(tech, a, "2026-03-02 08:00")
    answer(d1, tech, "2026-03-02 08:10")  # 600 s
    resolve(d1, tech, "2026-03-02 09:00")  # 3,600 s
    clocks(d1, response_met=True, response_elapsed_seconds=600, resolution_met=True, resolution_elapsed_seconds=3600)
    d2 = open_ticket(tech, a, "2026-03-03 08:00")
    answer(d2, tech, "2026-03-03 08:20")  # 1,200 s
    resolve(d2, tech, "2026-03-03 10:00")  # 7,200 s, of which 5,400 s of business time
    clocks(d2, response_met=True, response_elapsed_seconds=1200, resolution_met=False, resolution_elapsed_seconds=5400)
    d3 = open_ticket(tech, a, "2026-03-04 08:00")
    answer(d3, tech, "2026-03-04 08:30")  # 1,800 s
    resolve(d3, tech, "2026-03-04 11:00")  # 10,800 s; no SLA target: left out of business figures
    clocks(d3, response_state=ClockState.NONE, resolution_state=ClockState.NONE, resolution_elapsed_seconds=999)
    # Across the DST change: 21:00 → 08:00 on the Paris wall clock, but 10 real hours.
    d4 = open_ticket(tech, a, "2026-03-28 20:00")
    answer(d4, tech, "2026-03-29 02:00")  # 21,600 s
    resolve(d4, tech, "2026-03-29 06:00")  # 36,000 s; its clocks stay in state none
    # Opened and answered in February, resolved in March: MTTR only.
    d5 = open_ticket(tech, a, "2026-02-20 10:00")
    answer(d5, tech, "2026-02-20 11:00")
    resolve(d5, tech, "2026-03-10 10:00")  # 18 days = 1,555,200 s
    clocks(d5, response_met=True, response_elapsed_seconds=3600, resolution_met=True, resolution_elapsed_seconds=28800)
    # Still open, never answered: in neither.
    open_ticket(tech, a, "2026-03-30 08:00")
    # Client B's durations never reach client A.
    other = open_ticket(world.tech_b, world.client_b, "2026-03-02 08:00")
    answer(other, world.tech_b, "2026-03-09 08:00")
    resolve(other, world.tech_b, "2026-03-10 08:00")
    clocks(other, response_met=False, response_elapsed_seconds=99999, resolution_met=False, resolution_elapsed_seconds=99999)


def test_mtta_and_mttr_in_calendar_and_business_time(world: World) -> None:
    _durations_world(world)
    report = compute(world.manager_a, MARCH, now=APRIL_15)
    # MTTA calendar, first answered in March: d1..d4 = [600, 1200, 1800, 21600]
    # mean 25,200 / 4 = 6,300; median at 1.5: 1200 + 0.5 × 600 = 1,500; P90 at 2.7: 1800 + 0.7 × 19,800 = 15,660.
    assert report.mtta_calendar == DurationStats(count=4, mean=6300.0, median=1500.0, p90=pytest.approx(15660.0))
    # MTTA business: d1 and d2 only (d3 has no target, d4 no clocks) = [600, 1200]
    # mean 900; median at 0.5: 900; P90 at 0.9: 600 + 0.9 × 600 = 1,140.
    assert report.mtta_business == DurationStats(count=2, mean=900.0, median=900.0, p90=pytest.approx(1140.0))
    # MTTR calendar, resolved in March: [3600, 7200, 10800, 36000, 1555200]
    # mean 1,612,800 / 5 = 322,560; median at 2: 10,800; P90 at 3.6: 36000 + 0.6 × 1,519,200 = 947,520.
    assert report.mttr_calendar == DurationStats(count=5, mean=322560.0, median=10800.0, p90=pytest.approx(947520.0))
    # MTTR business: d1, d2, d5 = [3600, 5400, 28800]
    # mean 37,800 / 3 = 12,600; median 5,400; P90 at 1.8: 5400 + 0.8 × 23,400 = 24,120.
    assert report.mttr_business == DurationStats(count=3, mean=12600.0, median=5400.0, p90=pytest.approx(24120.0))
    assert report.resolved == 5


# First-contact resolution, reopen rate, reassignments


def test_first_contact_resolution_reopen_rate_and_reassignments(world: World) -> None:
    tech, a = world.tech_a, world.client_a
    one_reply = open_ticket(tech, a, "2026-03-02 08:00")
    answer(one_reply, tech, "2026-03-02 08:05")
    resolve(one_reply, tech, "2026-03-02 08:30")
    no_reply = open_ticket(tech, a, "2026-03-02 09:00")
    resolve(no_reply, tech, "2026-03-02 09:30")
    with_note = open_ticket(tech, a, "2026-03-02 10:00")
    note(with_note, tech, "2026-03-02 10:01")  # internal notes are not an exchange
    answer(with_note, tech, "2026-03-02 10:05")
    resolve(with_note, tech, "2026-03-02 10:30")
    # ✗ two public messages: the requester had to write again.
    exchange = open_ticket(world.requester_a, a, "2026-03-03 08:00")
    answer(exchange, tech, "2026-03-03 08:05")
    answer(exchange, world.requester_a, "2026-03-03 08:10", body="Toujours en panne")
    resolve(exchange, tech, "2026-03-03 09:00")
    # ✗ waited for the customer (who answered by phone).
    waited = open_ticket(tech, a, "2026-03-04 08:00")
    answer(waited, tech, "2026-03-04 08:05")
    set_status(waited, TicketStatus.WAITING_CUSTOMER, tech, "2026-03-04 08:06")
    set_status(waited, TicketStatus.IN_PROGRESS, tech, "2026-03-04 09:00")
    resolve(waited, tech, "2026-03-04 09:30")
    # ✗ reassigned from one technician to another (a first assignment is not a reassignment).
    reassigned = open_ticket(tech, a, "2026-03-05 08:00")
    services.assign_ticket(reassigned, by=tech, assignee=tech, group=None, at=utc("2026-03-05 08:01"))
    services.assign_ticket(reassigned, by=world.admin, assignee=world.admin, group=None, at=utc("2026-03-05 08:02"))
    answer(reassigned, world.admin, "2026-03-05 08:10")
    resolve(reassigned, world.admin, "2026-03-05 08:30")
    # ✗ resolved in February, reopened, resolved again in March.
    reopened = open_ticket(tech, a, "2026-02-20 08:00")
    resolve(reopened, tech, "2026-02-21 08:00")
    set_status(reopened, TicketStatus.IN_PROGRESS, tech, "2026-02-22 08:00")
    resolve(reopened, tech, "2026-03-06 08:00")
    # Resolved in April: does not count in March.
    later = open_ticket(tech, a, "2026-03-30 08:00")
    resolve(later, tech, "2026-04-01 08:00")

    report = compute(world.manager_a, MARCH, now=APRIL_15)
    assert report.resolved == 7
    # one_reply, no_reply, with_note out of 7.
    assert report.first_contact_resolution == Compliance(met=3, total=7)
    assert report.reopen_rate == Compliance(met=1, total=7)
    # One reassignment among 7 resolved tickets.
    assert report.reassignments_mean == pytest.approx(1 / 7)


def test_conversation_facts_rebuilt_from_the_timeline_equal_those_the_services_keep(world: World) -> None:
    """The migration (and the bench generator) recompute the facts first-contact resolution reads;
    they must give what the services maintained message by message."""
    tech, a = world.tech_a, world.client_a
    quiet = open_ticket(tech, a, "2026-03-02 08:00")
    talkative = open_ticket(world.requester_a, a, "2026-03-02 09:00")
    answer(talkative, tech, "2026-03-02 09:05")
    note(talkative, tech, "2026-03-02 09:06")
    answer(talkative, world.requester_a, "2026-03-02 09:10", body="Merci, mais ça ne marche pas")
    waited = open_ticket(tech, a, "2026-03-03 08:00")
    set_status(waited, TicketStatus.WAITING_CUSTOMER, tech, "2026-03-03 08:06")
    set_status(waited, TicketStatus.IN_PROGRESS, tech, "2026-03-03 09:00")
    tickets = Ticket.objects.filter(pk__in=[quiet.pk, talkative.pk, waited.pk]).order_by("pk")
    kept = list(tickets.values_list("public_message_count", "waited_for_customer"))
    assert kept == [(0, False), (2, False), (0, True)]

    Ticket.objects.update(public_message_count=7, waited_for_customer=True)
    rebuild_conversation_facts(connection)
    assert list(tickets.values_list("public_message_count", "waited_for_customer")) == kept


# SLA compliance


def test_sla_compliance_overall_and_by_priority(world: World) -> None:
    tech, a = world.tech_a, world.client_a
    p1 = {"impact": Level.HIGH, "urgency": Level.HIGH}
    s1 = open_ticket(tech, a, "2026-03-02 08:00", **p1)
    answer(s1, tech, "2026-03-02 08:10")
    resolve(s1, tech, "2026-03-02 09:00")
    clocks(s1, response_met=True, resolution_met=True)
    s2 = open_ticket(tech, a, "2026-03-02 08:00", **p1)
    answer(s2, tech, "2026-03-02 10:00")
    resolve(s2, tech, "2026-03-02 20:00")
    clocks(s2, response_met=False, resolution_met=False)
    # P3, answered in March, still open: its resolution clock runs (not counted yet).
    s3 = open_ticket(tech, a, "2026-03-03 08:00")
    answer(s3, tech, "2026-03-03 08:30")
    clocks(s3, response_met=True, resolution_state=ClockState.RUNNING)
    # P3, never answered, resolved in March: its response clock stopped at the resolution.
    s4 = open_ticket(tech, a, "2026-03-04 08:00")
    resolve(s4, tech, "2026-03-04 09:00")
    clocks(s4, response_met=False, resolution_met=True)
    # P4, answered in February (its response counted then), resolved in March.
    s5 = open_ticket(tech, a, "2026-02-25 08:00", impact=Level.MEDIUM, urgency=Level.LOW)
    answer(s5, tech, "2026-02-25 09:00")
    resolve(s5, tech, "2026-03-05 09:00")
    clocks(s5, response_met=True, resolution_met=False)
    # No clocks at all: counted nowhere.
    s6 = open_ticket(tech, a, "2026-03-06 08:00")
    answer(s6, tech, "2026-03-06 08:10")
    resolve(s6, tech, "2026-03-06 09:00")
    # P2 with a resolution target only.
    s7 = open_ticket(tech, a, "2026-03-07 08:00", impact=Level.HIGH, urgency=Level.MEDIUM)
    answer(s7, tech, "2026-03-07 08:10")
    resolve(s7, tech, "2026-03-07 09:00")
    clocks(s7, resolution_met=True)

    report = compute(world.manager_a, MARCH, now=APRIL_15)
    # Response: s1 ✓, s2 ✗, s3 ✓, s4 ✗ → 2 / 4.
    assert report.response_compliance == Compliance(met=2, total=4)
    assert report.response_compliance.rate == 0.5
    assert report.response_compliance_by_priority == {
        1: Compliance(1, 2),  # s1, s2
        2: Compliance(0, 0),  # s7 had no response target
        3: Compliance(1, 2),  # s3, s4
        4: Compliance(0, 0),  # s5 answered in February
        5: Compliance(0, 0),
    }
    assert report.response_compliance_by_priority[2].rate is None
    # Resolution: s1 ✓, s2 ✗, s4 ✓, s5 ✗, s7 ✓ → 3 / 5.
    assert report.resolution_compliance == Compliance(met=3, total=5)
    assert report.resolution_compliance_by_priority == {
        1: Compliance(1, 2),
        2: Compliance(1, 1),
        3: Compliance(1, 1),
        4: Compliance(0, 1),
        5: Compliance(0, 0),
    }


# Backlog


def test_backlog_at_the_end_of_a_past_month(world: World) -> None:
    tech, a = world.tech_a, world.client_a
    end = "2026-03-31 22:00"  # the end of March in Paris, in UTC
    open_ticket(tech, a, "2026-03-31 20:00")  # age 2 h = 7,200 s → <1d
    open_ticket(tech, a, "2026-03-30 08:00")  # 38 h = 136,800 s → 1-7d
    resolved_later = open_ticket(tech, a, "2026-03-15 10:00")  # 16 d 12 h = 1,425,600 s → 7-30d
    resolve(resolved_later, tech, "2026-04-02 10:00")
    old = open_ticket(tech, a, "2026-01-15 10:00")  # 59 d + 16 d 12 h = 75.5 d = 6,523,200 s → >30d
    set_status(old, TicketStatus.IN_PROGRESS, tech, "2026-01-16 10:00")
    cancelled_later = open_ticket(tech, a, "2026-03-05 10:00")  # 26 d 12 h = 2,289,600 s → 7-30d
    set_status(cancelled_later, TicketStatus.CANCELLED, tech, "2026-04-03 10:00")
    open_ticket(tech, a, "2026-03-01 22:00")  # exactly 30 d = 2,592,000 s → >30d
    # Not open at the end of March:
    resolved_before = open_ticket(tech, a, "2026-03-10 10:00")
    resolve(resolved_before, tech, "2026-03-20 10:00")
    cancelled_before = open_ticket(tech, a, "2026-03-01 10:00")
    set_status(cancelled_before, TicketStatus.CANCELLED, tech, "2026-03-10 10:00")
    open_ticket(tech, a, end)  # opened at the very end: not before it
    open_ticket(tech, a, "2026-04-02 10:00")
    open_ticket(world.tech_b, world.client_b, "2026-03-20 10:00")  # another client

    with time_machine.travel(APRIL_15, tick=False):
        report = compute(world.manager_a, MARCH)
    assert report.as_of == MARCH.end
    assert report.backlog == 6
    assert report.backlog_age_buckets == {"<1d": 1, "1-7d": 1, "7-30d": 2, ">30d": 2}
    # (7,200 + 136,800 + 1,425,600 + 6,523,200 + 2,289,600 + 2,592,000) / 6 = 12,974,400 / 6
    assert report.backlog_mean_age == pytest.approx(2162400.0)


def test_backlog_of_the_current_month_is_measured_now(world: World) -> None:
    tech, a = world.tech_a, world.client_a
    open_ticket(tech, a, "2026-03-19 12:00")  # 1 day exactly at noon on the 20th → 1-7d
    open_ticket(tech, a, "2026-03-20 11:00")  # 1 h → <1d
    with time_machine.travel(utc("2026-03-20 12:00"), tick=False):
        report = compute(world.manager_a, MARCH)
    assert report.as_of == utc("2026-03-20 12:00")
    assert report.backlog_age_buckets == {"<1d": 1, "1-7d": 1, "7-30d": 0, ">30d": 0}
    assert report.backlog_mean_age == pytest.approx((86400 + 3600) / 2)


# Satisfaction


def test_csat_counts_ratings_of_4_and_5_answered_in_the_period(world: World) -> None:
    tech, a = world.tech_a, world.client_a
    tickets = [open_ticket(tech, a, f"2026-03-0{day} 08:00") for day in range(1, 8)]
    survey(tickets[0], rating=5, answered="2026-03-02 10:00")
    survey(tickets[1], rating=4, answered="2026-03-03 10:00")
    survey(tickets[2], rating=2, answered="2026-03-04 10:00")
    survey(tickets[3], rating=5, answered="2026-03-05 10:00", withdrawn="2026-03-06 10:00")  # reopened later
    survey(tickets[4], rating=None, answered=None)  # never answered
    survey(tickets[5], rating=1, answered="2026-02-27 10:00")  # answered in February
    survey(tickets[6], rating=5, answered="2026-03-31 22:00")  # 1 April in Paris
    other = open_ticket(world.tech_b, world.client_b, "2026-03-02 08:00")
    survey(other, rating=1, answered="2026-03-02 10:00")

    report = compute(world.manager_a, MARCH, now=APRIL_15)
    # 5 and 4 of the answers 5, 4, 2.
    assert report.csat == Compliance(met=2, total=3)
    assert report.csat_mean == pytest.approx(11 / 3)
    assert compute(world.manager_b, MARCH, now=APRIL_15).csat == Compliance(met=0, total=1)


# Availability


def test_availability_merges_clips_and_counts_open_outages_until_the_end(world: World) -> None:
    tech, a = world.tech_a, world.client_a
    till = BusinessService.objects.create(organization=a, name="Caisse")
    mail = BusinessService.objects.create(organization=a, name="Messagerie")
    BusinessService.objects.create(organization=a, name="Ancien ERP", is_active=False)
    website = BusinessService.objects.create(organization=a, name="Site web", is_active=False)
    accounting = BusinessService.objects.create(organization=world.client_b, name="Comptabilité")

    def incident(started: str, ended: str | None, service: BusinessService = till) -> None:
        outage(
            open_ticket(tech if service.organization_id == a.pk else world.tech_b, service.organization, started),
            service,
            started,
            ended,
        )

    incident("2026-03-10 08:00", "2026-03-10 10:00")  # merged with the next one: 08:00–11:00 = 10,800 s
    incident("2026-03-10 09:00", "2026-03-10 11:00")
    incident("2026-02-28 20:00", "2026-03-01 01:00")  # clipped to 23:00 (start of March in Paris): 7,200 s
    incident("2026-03-31 21:00", None)  # still going on: counts until 22:00, the end: 3,600 s
    incident("2026-02-10 08:00", "2026-02-10 09:00")  # February only
    false_alarm = open_ticket(tech, a, "2026-03-15 08:00")
    outage(false_alarm, till, "2026-03-15 08:00", "2026-03-15 09:00")
    set_status(false_alarm, TicketStatus.CANCELLED, tech, "2026-03-15 09:30")
    incident("2026-03-05 10:00", "2026-03-05 10:30", website)  # an inactive service with an outage: 1,800 s
    incident("2026-03-05 10:00", "2026-03-06 10:00", accounting)

    report = compute(world.manager_a, MARCH, now=APRIL_15)
    period = 743 * 3600  # 2,674,800 s
    by_name = {item.service_name: item for item in report.availability}
    assert list(by_name) == ["Caisse", "Messagerie", "Site web"]
    # 10,800 + 7,200 + 3,600 = 21,600 s over 4 incidents.
    assert (by_name["Caisse"].outage_seconds, by_name["Caisse"].incidents, by_name["Caisse"].period_seconds) == (21600, 4, period)
    assert by_name["Caisse"].rate == pytest.approx(1 - 21600 / 2674800)
    assert (by_name["Messagerie"].outage_seconds, by_name["Messagerie"].rate) == (0, 1.0)
    assert (by_name["Site web"].outage_seconds, by_name["Site web"].incidents) == (1800, 1)
    assert by_name["Caisse"].service_id == till.pk and by_name["Messagerie"].service_id == mail.pk
    assert all(item.organization_id == a.pk for item in report.availability)
    # Client B's manager sees only Comptabilité: 24 h = 86,400 s.
    [b] = compute(world.manager_b, MARCH, now=APRIL_15).availability
    assert (b.service_name, b.outage_seconds) == ("Comptabilité", 86400)
    # A requester sees only services with an outage among their own tickets: none here.
    assert compute(world.requester_a2, MARCH, now=APRIL_15).availability == []
    # The filter on one service keeps that one.
    only_mail = compute(world.manager_a, KpiFilter(MARCH.start, MARCH.end, service_id=mail.pk), now=APRIL_15)
    assert [item.service_name for item in only_mail.availability] == ["Messagerie"]


def test_availability_of_the_current_month_runs_until_now(world: World) -> None:
    till = BusinessService.objects.create(organization=world.client_a, name="Caisse")
    outage(open_ticket(world.tech_a, world.client_a, "2026-03-20 10:00"), till, "2026-03-20 10:00", None)
    [item] = compute(world.manager_a, MARCH, now=utc("2026-03-20 12:00")).availability
    # From 2026-02-28 23:00 to 2026-03-20 12:00: 19 d 13 h = 1,688,400 s; the outage 2 h so far.
    assert (item.period_seconds, item.outage_seconds) == (1688400, 7200)


# Empty periods, isolation, filters


def test_an_empty_period_has_no_figures_rather_than_zeros(world: World) -> None:
    open_ticket(world.tech_a, world.client_a, "2026-05-10 10:00")
    report = compute(world.manager_a, MARCH, now=APRIL_15)
    assert (report.opened, report.resolved, report.backlog) == (0, 0, 0)
    for stats in (report.mtta_calendar, report.mtta_business, report.mttr_calendar, report.mttr_business):
        assert stats == NOTHING
    for rate in (
        report.first_contact_resolution,
        report.response_compliance,
        report.resolution_compliance,
        report.reopen_rate,
        report.csat,
    ):
        assert rate == Compliance(0, 0) and rate.rate is None
    assert report.backlog_mean_age is None and report.reassignments_mean is None and report.csat_mean is None
    assert report.opened_by_category == []


def _two_clients(world: World) -> None:
    for by, organization, count in ((world.tech_a, world.client_a, 2), (world.tech_b, world.client_b, 3)):
        for index in range(count):
            ticket = open_ticket(by, organization, f"2026-03-1{index} 08:00")
            answer(ticket, by, f"2026-03-1{index} 09:00")
            resolve(ticket, by, f"2026-03-1{index} 10:00")
            clocks(ticket, response_met=True, resolution_met=False)
    requester_ticket = open_ticket(world.requester_a2, world.client_a, "2026-03-20 08:00")
    answer(requester_ticket, world.tech_a, "2026-03-20 09:00")


def test_a_client_only_ever_counts_its_own_tickets(world: World) -> None:
    _two_clients(world)
    for user in (world.manager_a, world.it_contact_a, world.tech_a):
        report = compute(user, MARCH, now=APRIL_15)
        assert (report.opened, report.resolved, report.response_compliance.total) == (3, 2, 2), user
    for user in (world.manager_b, world.requester_b, world.tech_b):
        report = compute(user, MARCH, now=APRIL_15)
        expected = (3, 3, 3) if user != world.requester_b else (0, 0, 0)  # requester_b opened none
        assert (report.opened, report.resolved, report.response_compliance.total) == expected, user
    assert compute(world.admin, MARCH, now=APRIL_15).opened == 6
    # A requester counts only what they can open: their own ticket.
    mine = compute(world.requester_a2, MARCH, now=APRIL_15)
    assert (mine.opened, mine.mtta_calendar.count, mine.backlog) == (1, 1, 1)
    # Asking for the other company's id changes nothing: it counts zero, not the other's figures.
    intruding = compute(
        world.manager_a, KpiFilter(MARCH.start, MARCH.end, organization_ids=frozenset({world.client_b.pk})), now=APRIL_15
    )
    assert (intruding.opened, intruding.resolved, intruding.backlog, intruding.availability) == (0, 0, 0, [])


def test_every_filter_narrows_the_tickets(world: World) -> None:
    tech, a = world.tech_a, world.client_a
    till = BusinessService.objects.create(organization=a, name="Caisse")
    p1 = open_ticket(tech, a, "2026-03-02 08:00", impact=Level.HIGH, urgency=Level.HIGH, assignee=tech, group=world.group_a)
    link_service(p1, till)
    request = open_ticket(tech, a, "2026-03-03 08:00", type=TicketType.REQUEST)
    services.assign_ticket(request, by=world.admin, assignee=world.admin, group=None)
    open_ticket(world.tech_b, world.client_b, "2026-03-04 08:00", assignee=world.tech_b, group=world.group_b)

    def opened(**narrowing: object) -> int:
        return compute(world.admin, KpiFilter(MARCH.start, MARCH.end, **narrowing), now=APRIL_15).opened  # type: ignore[arg-type]

    assert opened() == 3
    assert opened(organization_ids=frozenset({a.pk})) == 2
    assert opened(organization_ids=frozenset({a.pk, world.client_b.pk})) == 3
    assert opened(organization_ids=frozenset()) == 0
    assert opened(service_id=till.pk) == 1
    assert opened(group_id=world.group_a.pk) == 1
    assert opened(group_id=world.group_b.pk) == 1
    assert opened(assignee_id=tech.pk) == 1
    assert opened(assignee_id=world.admin.pk) == 1
    assert opened(priority=1) == 1
    assert opened(priority=3) == 2
    assert opened(ticket_type=TicketType.REQUEST) == 1
    assert opened(ticket_type=TicketType.INCIDENT, organization_ids=frozenset({a.pk})) == 1


# Per client


def test_compute_by_client_gives_each_client_the_report_of_compute(world: World) -> None:
    _durations_world(world)
    _two_clients(world)
    for organization, by in ((world.client_a, world.tech_a), (world.client_b, world.tech_b)):
        service = BusinessService.objects.create(organization=organization, name="Messagerie")
        down = open_ticket(by, organization, "2026-03-12 08:00")
        outage(down, service, "2026-03-12 08:00", "2026-03-12 09:00")
        survey(down, rating=4, answered="2026-03-13 08:00")
    empty = Organization.objects.create(name="Zinguerie Vide", slug="vide")
    admin = fresh(world.admin)
    with CaptureQueriesContext(connection) as context:
        reports = compute_by_client(admin, MARCH, now=APRIL_15)
    # Ordered by name; a client without tickets gets the report of nothing.
    assert list(reports) == [world.client_a.pk, world.client_b.pk, empty.pk]
    for pk, report in reports.items():
        narrowed = replace(MARCH, organization_ids=frozenset({pk}))
        assert report == compute(admin, narrowed, now=APRIL_15), pk
        assert report.filter == narrowed
    assert reports[world.client_a.pk].opened == 9 and reports[world.client_b.pk].opened == 5
    assert reports[empty.pk].opened == 0 and reports[empty.pk].mttr_calendar == NOTHING
    # The queries of compute, grouped, plus the list of clients.
    assert len(_statements(context.captured_queries)) == ACCESS_QUERIES + COMPUTE_QUERIES + 1
    # A client manager only ever gets their own company; a filter narrows the clients.
    assert list(compute_by_client(world.manager_a, MARCH, now=APRIL_15)) == [world.client_a.pk]
    only_b = compute_by_client(admin, replace(MARCH, organization_ids=frozenset({world.client_b.pk})), now=APRIL_15)
    assert list(only_b) == [world.client_b.pk]
    # The provider view's "all clients" line adds the clients' reports up: the same figures as
    # one report over all of them (the mean MTTR weighted by each client's count).
    everyone = compute(admin, MARCH, now=APRIL_15)
    total = ProviderTotals.of(list(reports.values()))
    assert (total.opened, total.backlog, total.csat) == (everyone.opened, everyone.backlog, everyone.csat)
    assert total.resolution_compliance == everyone.resolution_compliance
    assert total.response_compliance == everyone.response_compliance
    assert total.mttr_business.count == everyone.mttr_business.count > 0
    assert total.mttr_business.mean == pytest.approx(everyone.mttr_business.mean)


# Monthly trend


def test_monthly_trend_by_local_calendar_month(world: World) -> None:
    tech, a = world.tech_a, world.client_a
    february = open_ticket(tech, a, "2026-02-10 08:00")
    resolve(february, tech, "2026-03-02 08:00")  # 20 d = 1,728,000 s
    clocks(february, resolution_met=True, resolution_elapsed_seconds=36000)
    march = open_ticket(tech, a, "2026-03-05 08:00")
    resolve(march, tech, "2026-03-05 10:00")  # 7,200 s
    clocks(march, resolution_met=False, resolution_elapsed_seconds=7200)
    april = open_ticket(tech, a, "2026-03-31 22:30")  # 00:30 on 1 April in Paris
    resolve(april, tech, "2026-03-31 23:00")  # 01:00 in Paris, April: 1,800 s, no clocks
    open_ticket(world.tech_b, world.client_b, "2026-03-05 08:00")

    with timezone.override(PARIS):
        april_filter = KpiFilter.for_month(2026, 4, PARIS)
        points = monthly_trend(world.manager_a, april_filter, months=3)
        assert [p.month_start for p in points] == [datetime(2026, month, 1, tzinfo=PARIS) for month in (2, 3, 4)]
        assert [(p.opened, p.resolved) for p in points] == [(1, 0), (1, 2), (1, 1)]
        feb, mar, apr = points
        assert (feb.mttr_business_mean, feb.mttr_calendar_mean, feb.resolution_compliance) == (None, None, Compliance(0, 0))
        assert mar.mttr_business_mean == pytest.approx((36000 + 7200) / 2)  # 21,600
        assert mar.mttr_calendar_mean == pytest.approx((1728000 + 7200) / 2)  # 867,600
        assert mar.resolution_compliance == Compliance(met=1, total=2)
        assert (apr.mttr_business_mean, apr.mttr_calendar_mean) == (None, pytest.approx(1800.0))
        # The months end with the one holding the period's last instant: March for the March filter,
        # April as soon as the period reaches into April.
        assert monthly_trend(world.manager_a, MARCH, months=1)[0].month_start == datetime(2026, 3, 1, tzinfo=PARIS)
        into_april = KpiFilter(MARCH.start, MARCH.end + timedelta(seconds=1))
        assert monthly_trend(world.manager_a, into_april, months=1)[0].month_start == datetime(2026, 4, 1, tzinfo=PARIS)
        twelve = monthly_trend(world.manager_a, MARCH)
        assert len(twelve) == 12 and twelve[0].month_start == datetime(2025, 4, 1, tzinfo=PARIS)
        with pytest.raises(ValueError):
            monthly_trend(world.manager_a, MARCH, months=0)
        with pytest.raises(ValueError):
            monthly_trend(world.manager_a, MARCH, months=37)


def test_closed_months_come_from_the_figures_the_worker_keeps(world: World) -> None:
    tech, a = world.tech_a, world.client_a
    february = open_ticket(tech, a, "2026-02-10 08:00")
    resolve(february, tech, "2026-03-02 08:00")
    clocks(february, resolution_met=True, resolution_elapsed_seconds=36000)
    march = open_ticket(tech, a, "2026-03-05 08:00")
    resolve(march, tech, "2026-03-05 10:00")
    clocks(march, resolution_met=False, resolution_elapsed_seconds=7200)
    april = open_ticket(tech, a, "2026-04-02 08:00")
    resolve(april, tech, "2026-04-02 09:00")
    open_ticket(world.tech_b, world.client_b, "2026-03-05 08:00")
    manager, admin = fresh(world.manager_a), fresh(world.admin)

    with timezone.override(PARIS):
        april_filter = KpiFilter.for_month(2026, 4, PARIS)

        def trend(user: User, kpi_filter: KpiFilter = april_filter) -> list[TrendPoint]:
            return monthly_trend(user, kpi_filter, months=3, now=APRIL_15)

        counted = trend(manager)
        everyone = trend(admin)
        assert monthly.refresh(now=APRIL_15) >= 3  # Feb and Mar of client A, Mar of client B
        assert FiguresMonth.objects.filter(month=date(2026, 3, 1)).exists()
        # The same figures, February and March read from the kept rows (April, not closed, counted).
        assert trend(manager) == counted
        assert trend(admin) == everyone and everyone[1].opened == 2
        # A ticket of March reopened: the kept figures change at the next refresh, not before;
        # a narrowed trend or a requester's is always counted from the tickets.
        set_status(march, TicketStatus.IN_PROGRESS, tech, "2026-04-10 08:00")
        assert trend(manager)[1].resolved == 2
        assert trend(manager, replace(april_filter, priority=march.priority))[1].resolved == 1
        assert trend(fresh(world.requester_a))[1].resolved == 0  # a requester sees only their own tickets
        monthly.refresh(now=APRIL_15)
        assert trend(manager)[1].resolved == 1
        assert trend(manager)[1].resolution_compliance == Compliance(met=1, total=1)


# Query count: constant, whatever the number of tickets


def _queries_for(world: World, tickets: int) -> int:
    tech, a = world.tech_a, world.client_a
    till, _created = BusinessService.objects.get_or_create(organization=a, name="Caisse")
    for index in range(tickets):
        ticket = open_ticket(tech, a, f"2026-03-{10 + index % 10:02d} 08:00")
        answer(ticket, tech, f"2026-03-{10 + index % 10:02d} 09:00")
        resolve(ticket, tech, f"2026-03-{10 + index % 10:02d} 10:00")
        clocks(ticket, response_met=True, resolution_met=index % 2 == 0)
        survey(ticket, rating=1 + index % 5, answered=f"2026-03-{10 + index % 10:02d} 11:00")
        outage(ticket, till, f"2026-03-{10 + index % 10:02d} 08:00", f"2026-03-{10 + index % 10:02d} 08:30")
    user = fresh(world.tech_a)
    with CaptureQueriesContext(connection) as context:
        compute(user, MARCH, now=APRIL_15)
        monthly_trend(user, MARCH)
    return len(_statements(context.captured_queries))


def _statements(queries: list[dict[str, str]]) -> list[dict[str, str]]:
    """The queries, without the savepoints of the transaction the KPIs run in on PostgreSQL
    (the test's own transaction turns it into a savepoint)."""
    return [q for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


# compute: volume, responses, resolutions (with first contact), backlog, satisfaction, outages,
# services (7); on PostgreSQL one more to set the KPI settings (see kpi_queries), on SQLite two
# more to read the durations of responses and resolutions for their median and P90.
COMPUTE_QUERIES = 8 if connection.vendor == "postgresql" else 9
# monthly_trend: which months the worker has kept (1; none here, so no read of them), opened
# and resolved by month (2), and the settings on PostgreSQL.
TREND_QUERIES = 4 if connection.vendor == "postgresql" else 3
# What the user may see: memberships and the clients their groups serve (or all clients).
ACCESS_QUERIES = 2


def test_the_number_of_queries_does_not_grow_with_the_tickets(world: World, django_assert_max_num_queries: object) -> None:
    few = _queries_for(world, 2)
    many = _queries_for(world, 20)
    assert few == many == ACCESS_QUERIES + COMPUTE_QUERIES + TREND_QUERIES
    admin = fresh(world.admin)
    savepoints = 2 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(ACCESS_QUERIES + COMPUTE_QUERIES + savepoints):  # type: ignore[operator]
        compute(admin, MARCH, now=APRIL_15)


# Query parameters


def _parse(world: World, user: User | None = None, **params: str) -> KpiFilter:
    with timezone.override(PARIS):
        return filter_from_params(params, user=user or world.manager_a, now=utc("2026-03-20 12:00"))


def _errors(world: World, user: User | None = None, **params: str) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        _parse(world, user, **params)
    return {name: [str(m) for m in messages] for name, messages in raised.value.message_dict.items()}


def test_parameters_choose_the_period(world: World) -> None:
    assert (_parse(world).start, _parse(world).end) == (MARCH.start, MARCH.end)  # the current month
    march = _parse(world, month="2026-03")
    assert (march.start, march.end) == (MARCH.start, MARCH.end)
    # Dates: the end day is included.
    days = _parse(world, start="2026-03-01", end="2026-03-31")
    assert (days.start, days.end) == (MARCH.start, MARCH.end)
    # Date-times: the end is excluded; without an offset, in the current time zone.
    moments = _parse(world, start="2026-03-10T08:00", end="2026-03-10T10:00:00+00:00")
    assert (moments.start, moments.end) == (utc("2026-03-10 07:00"), utc("2026-03-10 10:00"))
    assert _parse(world, start="2026-03-10").end == utc("2026-03-20 12:00")  # from start until now


def test_parameters_name_the_parameter_at_fault(world: World) -> None:
    assert set(_errors(world, month="2026-13")) == {"month"}
    assert set(_errors(world, month="mars")) == {"month"}
    assert set(_errors(world, month="2026-03", start="2026-03-01")) == {"month"}
    assert set(_errors(world, start="hier")) == {"start"}
    assert set(_errors(world, start="2026-02-30")) == {"start"}
    assert set(_errors(world, start="0001-01-01")) == {"start"}
    assert set(_errors(world, end="2026-03-31")) == {"start"}
    assert set(_errors(world, start="2026-03-10", end="2026-03-01")) == {"end"}
    assert set(_errors(world, priority="9", type="problem", service="x", group="1.5")) == {"priority", "type", "service", "group"}
    assert set(_errors(world, organization="martin,nowhere")) == {"organization"}
    assert set(_errors(world, assignee="me")) == {"assignee"}  # a client manager is not a technician
    with pytest.raises(ValidationError) as raised:
        unknown_parameters({"organisation": "martin", "month": "2026-03"}, ("month",))
    assert set(raised.value.message_dict) == {"organisation"}
    assert months_from_params({}) == 12 and months_from_params({"months": "3"}) == 3
    for bad in ("0", "37", "deux"):
        with pytest.raises(ValidationError):
            months_from_params({"months": bad})


def test_parameters_resolve_clients_and_people_the_user_sees(world: World) -> None:
    till = BusinessService.objects.create(organization=world.client_a, name="Caisse")
    by_slug = _parse(world, world.tech_a, organization="MARTIN", service=str(till.pk), group=str(world.group_a.pk), assignee="me")
    assert (by_slug.organization_ids, by_slug.service_id, by_slug.group_id) == (
        frozenset({world.client_a.pk}),
        till.pk,
        world.group_a.pk,
    )
    assert by_slug.assignee_id == world.tech_a.pk
    both = _parse(world, world.admin, organization=f"{world.client_a.pk},lefevre", priority="2", type="request")
    assert (both.organization_ids, both.priority, both.ticket_type) == (
        frozenset({world.client_a.pk, world.client_b.pk}),
        2,
        "request",
    )
    assert _parse(world, world.admin, assignee=str(world.tech_b.pk)).assignee_id == world.tech_b.pk
    # Another company reads exactly like one that does not exist, by id or by short name.
    unknown = _errors(world, world.manager_a, organization="999999")["organization"][0]
    assert _errors(world, world.manager_a, organization=str(world.client_b.pk))["organization"][0] == unknown.replace(
        "999999", str(world.client_b.pk)
    )
    assert "lefevre" in _errors(world, world.manager_a, organization="lefevre")["organization"][0]
    accounting = BusinessService.objects.create(organization=world.client_b, name="Comptabilité")
    assert set(_errors(world, world.tech_a, service=str(accounting.pk))) == {"service"}
    assert set(_errors(world, world.manager_a, group=str(world.group_a.pk))) == {"group"}  # groups are staff business
    assert set(_errors(world, world.tech_a, assignee=str(world.requester_a.pk))) == {"assignee"}
