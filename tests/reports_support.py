"""KPI reports built by hand for the dashboard and review tests, and a stand-in for the KPI
functions that records how it was called (so a test can check the filters a view passes)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any

from vigie.reports.kpis import Availability, Compliance, DurationStats, KpiFilter, KpiReport, TrendPoint
from vigie.reports.periods import Month

NO_DURATION = DurationStats(0, None, None, None)


def kpi_report(kpi_filter: KpiFilter | None = None, **overrides: Any) -> KpiReport:
    values: dict[str, Any] = {
        "filter": kpi_filter,
        "opened": 0,
        "opened_by_type": {},
        "opened_by_channel": {},
        "opened_by_category": [],
        "resolved": 0,
        "mtta_calendar": NO_DURATION,
        "mtta_business": NO_DURATION,
        "mttr_calendar": NO_DURATION,
        "mttr_business": NO_DURATION,
        "first_contact_resolution": Compliance(0, 0),
        "response_compliance": Compliance(0, 0),
        "resolution_compliance": Compliance(0, 0),
        "response_compliance_by_priority": {},
        "resolution_compliance_by_priority": {},
        "backlog": 0,
        "backlog_age_buckets": {"<1d": 0, "1-7d": 0, "7-30d": 0, ">30d": 0},
        "backlog_mean_age": None,
        "reopen_rate": Compliance(0, 0),
        "reassignments_mean": None,
        "csat": Compliance(0, 0),
        "csat_mean": None,
        "availability": [],
    }
    values.update(overrides)
    return KpiReport(**values)


def rich_report(kpi_filter: KpiFilter, service_id: int = 1, organization_id: int = 1) -> KpiReport:
    """A month with something in every section, with figures that are easy to recognise."""
    return kpi_report(
        kpi_filter,
        opened=47,
        opened_by_type={"incident": 31, "request": 16},
        opened_by_channel={"email": 29, "portal": 18},
        opened_by_category=[("Matériel › Imprimantes", 12), ("Réseau", 9), ("", 3)],
        resolved=44,
        mttr_business=DurationStats(44, 3 * 3600 + 20 * 60, 2 * 3600, 9 * 3600),
        mttr_calendar=DurationStats(44, 26 * 3600, 20 * 3600, 70 * 3600),
        mtta_business=DurationStats(45, 900, 600, 1800),
        response_compliance=Compliance(43, 45),
        resolution_compliance=Compliance(39, 44),
        response_compliance_by_priority={1: Compliance(2, 2), 3: Compliance(41, 43)},
        resolution_compliance_by_priority={1: Compliance(1, 2), 3: Compliance(38, 42)},
        backlog=13,
        csat=Compliance(17, 20),
        csat_mean=4.35,
        availability=[Availability(service_id, "Caisse enregistreuse", organization_id, 5400, 31 * 86400, 2)],
    )


def trend_points(kpi_filter: KpiFilter, months: int = 12) -> list[TrendPoint]:
    """``months`` months ending with the one of the filter's start, with growing volumes."""
    month = Month.containing(kpi_filter.start)
    points = []
    for index in range(months):
        points.append(
            TrendPoint(
                month_start=month.start,
                opened=30 + months - index,
                resolved=28 + months - index,
                mttr_business_mean=(4 + index % 3) * 3600.0,
                resolution_compliance=Compliance(18, 20),
            )
        )
        month = month.previous()
    return list(reversed(points))


@dataclass
class FakeKpis:
    """Stands in for ``kpis.compute``, ``kpis.opened_by_category`` and ``kpis.monthly_trend``: answers ``reports[organization_ids]``
    (or ``default``) and keeps every filter it was asked for."""

    default: Any = None
    reports: dict[frozenset[int] | None, KpiReport] = field(default_factory=dict)
    calls: list[KpiFilter] = field(default_factory=list)
    trend_calls: list[KpiFilter] = field(default_factory=list)

    def compute(self, user: Any, kpi_filter: KpiFilter) -> KpiReport:
        self.calls.append(kpi_filter)
        report = self.reports.get(kpi_filter.organization_ids)
        if report is None:
            report = self.default(kpi_filter) if self.default else kpi_report(kpi_filter)
        return replace(report, filter=kpi_filter)

    def compute_by_client(self, user: Any, kpi_filter: KpiFilter) -> dict[int, KpiReport]:
        from vigie.reports.dashboards import served_clients

        ids = kpi_filter.organization_ids
        return {
            client.pk: self.compute(user, replace(kpi_filter, organization_ids=frozenset({client.pk})))
            for client in served_clients(user)
            if ids is None or client.pk in ids
        }

    def opened_by_category(self, user: Any, kpi_filter: KpiFilter) -> list[tuple[str, int]]:
        return self.compute(user, kpi_filter).opened_by_category

    def monthly_trend(self, user: Any, kpi_filter: KpiFilter, months: int = 12) -> list[TrendPoint]:
        self.trend_calls.append(kpi_filter)
        return trend_points(kpi_filter, months)


def install_fake_kpis(monkeypatch: Any, fake: FakeKpis) -> FakeKpis:
    from vigie.reports import kpis

    monkeypatch.setattr(kpis, "compute", fake.compute)
    monkeypatch.setattr(kpis, "compute_by_client", fake.compute_by_client)
    monkeypatch.setattr(kpis, "monthly_trend", fake.monthly_trend)
    monkeypatch.setattr(kpis, "opened_by_category", fake.opened_by_category)
    return fake


def at(moment: str) -> datetime:
    """An aware datetime in the provider's time zone: ``at("2025-01-15 10:00")``."""
    from vigie.reports.periods import provider_zone

    return datetime.fromisoformat(moment).replace(tzinfo=provider_zone())


@dataclass
class January:
    """Client A's January 2025: a printer fixed late (a supplier, a reassignment, a priority
    raised), a ticket opened on a Saturday night and fixed late, an open P1, a rated survey."""

    printer: Any
    night: Any
    till: Any
    survey: Any


JANUARY = Month(2025, 1)


def january_of_client_a(world: Any) -> January:
    import time_machine

    from vigie.notifications.dispatch import notifications_suppressed
    from vigie.servicedesk import services
    from vigie.servicedesk.models import Channel, Level, SatisfactionSurvey, TicketStatus
    from vigie.sla.models import BusinessCalendar, ClockState, OpeningRange, SlaPolicy, TicketSla

    calendar = BusinessCalendar.objects.create(organization=world.client_a, name="Bureaux")
    for weekday in range(5):
        OpeningRange.objects.create(calendar=calendar, weekday=weekday, start=time(9), end=time(18))
    policy = SlaPolicy.objects.create(organization=world.client_a, name="Standard", calendar=calendar)

    # History, not news: nobody is e-mailed about it.
    with notifications_suppressed(), time_machine.travel(at("2025-01-06 09:00"), tick=False) as traveller:
        printer = services.open_ticket(
            by=world.requester_a, organization=world.client_a, title="Imprimante du 2e en panne", channel=Channel.EMAIL
        )
        services.assign_ticket(printer, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
        traveller.move_to(at("2025-01-06 10:00"))
        services.change_status(printer, TicketStatus.WAITING_THIRD_PARTY, by=world.tech_a)
        traveller.move_to(at("2025-01-08 12:00"))
        services.change_status(printer, TicketStatus.IN_PROGRESS, by=world.tech_a)
        services.update_ticket(printer, by=world.tech_a, impact=Level.HIGH, urgency=Level.HIGH)
        services.assign_ticket(printer, by=world.admin, assignee=world.admin, group=None)
        traveller.move_to(at("2025-01-09 17:00"))
        services.resolve_ticket(printer, by=world.admin, resolution="Carte mère changée")

        traveller.move_to(at("2025-01-11 22:00"))
        night = services.open_ticket(by=world.requester_a2, organization=world.client_a, title="VPN coupé samedi soir")
        traveller.move_to(at("2025-01-15 11:00"))
        services.assign_ticket(night, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
        services.resolve_ticket(night, by=world.tech_a, resolution="Certificat renouvelé")

        traveller.move_to(at("2025-01-30 08:00"))
        till = services.open_ticket(
            by=world.requester_a,
            organization=world.client_a,
            title="Caisse enregistreuse bloquée",
            impact=Level.HIGH,
            urgency=Level.HIGH,
        )
    for ticket, elapsed in ((printer, 40 * 3600), (night, 20 * 3600)):
        TicketSla.objects.update_or_create(
            ticket=ticket,
            defaults={
                "policy": policy,
                "response_target_minutes": 60,
                "resolution_target_minutes": 480,
                "response_state": ClockState.MET,
                "response_met": True,
                "resolution_state": ClockState.MISSED,
                "resolution_met": False,
                "resolution_elapsed_seconds": elapsed,
            },
        )
    survey = SatisfactionSurvey.objects.create(
        ticket=printer,
        recipient=world.requester_a,
        email=world.requester_a.email,
        sent_at=at("2025-01-09 17:00"),
        expires_at=at("2025-01-23 17:00"),
        rating=2,
        comment="Trop long, mais merci à Théo",
        answered_at=at("2025-01-10 08:30"),
    )
    for ticket in (printer, night, till):
        ticket.refresh_from_db()
    return January(printer=printer, night=night, till=till, survey=survey)
