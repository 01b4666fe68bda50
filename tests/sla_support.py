"""Helpers shared by the SLA tests: calendars, policies and a frozen clock to drive tickets."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from vigie.servicedesk.models import Ticket
from vigie.sla.models import BusinessCalendar, CalendarClosure, OpeningRange, SlaPolicy, SlaTarget, TicketSla
from vigie.tenancy.models import Organization

PARIS = ZoneInfo("Europe/Paris")
MONTREAL = ZoneInfo("America/Montreal")
SINGAPORE = ZoneInfo("Asia/Singapore")

WEEKDAYS = range(5)
OFFICE = [(9, 0, 12, 0), (14, 0, 18, 0)]  # 7 h a day with a lunch break
STRAIGHT = [(8, 0, 18, 0)]  # 10 h a day


def paris(text: str) -> datetime:
    """'2026-05-04 09:00' read in Europe/Paris."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def local(text: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def make_calendar(
    organization: Organization,
    name: str = "Heures ouvrées",
    *,
    time_zone: str = "Europe/Paris",
    days: Iterable[int] = WEEKDAYS,
    ranges: Iterable[tuple[int, int, int, int]] = OFFICE,
    is_24x7: bool = False,
    country: str = "FR",
    subdivision: str = "",
    closures: Iterable[date] = (),
) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(
        organization=organization,
        name=name,
        time_zone=time_zone,
        is_24x7=is_24x7,
        holiday_country=country,
        holiday_subdivision=subdivision,
    )
    range_list = list(ranges)
    for weekday in days:
        for start_h, start_m, end_h, end_m in range_list:
            OpeningRange.objects.create(
                calendar=calendar, weekday=weekday, start=time(start_h, start_m), end=time(end_h % 24, end_m)
            )
    for day in closures:
        CalendarClosure.objects.create(calendar=calendar, date=day)
    return calendar


def make_policy(
    organization: Organization,
    calendar: BusinessCalendar,
    targets: dict[int, tuple[int | None, int | None]] | None = None,
    *,
    name: str = "Contrat standard",
    target_calendars: dict[int, BusinessCalendar] | None = None,
    **fields: Any,
) -> SlaPolicy:
    """``targets``: priority → (response minutes, resolution minutes)."""
    policy = SlaPolicy.objects.create(organization=organization, name=name, calendar=calendar, **fields)
    for priority, (response, resolution) in (targets or {}).items():
        SlaTarget.objects.create(
            policy=policy,
            priority=priority,
            response_minutes=response,
            resolution_minutes=resolution,
            calendar=(target_calendars or {}).get(priority),
        )
    return policy


def sla_of(ticket: Ticket) -> TicketSla:
    return TicketSla.objects.get(ticket_id=ticket.pk)


@contextmanager
def frozen(moment: datetime) -> Iterator[Any]:
    """Freeze the clock at ``moment``; ``.move_to(other)`` moves it."""
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller
