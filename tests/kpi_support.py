"""Helpers for the KPI tests (no tests here): tickets with a dated history, built through the services.

Times are written in UTC ("2026-03-02 08:00"); the reporting month is March 2026 in Europe/Paris,
from 2026-02-28 23:00 UTC to 2026-03-31 22:00 UTC (743 hours: clocks go forward on 29 March).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.reports.kpis import KpiFilter
from vigie.servicedesk import services
from vigie.servicedesk.models import SatisfactionSurvey, Ticket, TicketStatus
from vigie.sla.models import ClockState, TicketSla
from vigie.tenancy.models import Organization

PARIS = ZoneInfo("Europe/Paris")
MARCH = KpiFilter.for_month(2026, 3, PARIS)
# A moment well after March: what was open at the end of March is measured at the end of March.
APRIL_15 = datetime(2026, 4, 15, 12, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def open_ticket(by: User, organization: Organization, opened: str, *, title: str = "Panne", **extra: Any) -> Ticket:
    return services.open_ticket(by=by, organization=organization, title=title, created_at=utc(opened), **extra)


def answer(ticket: Ticket, by: User, at: str, *, body: str = "Nous regardons.") -> None:
    services.add_comment(ticket, by=by, body=body, at=utc(at))


def note(ticket: Ticket, by: User, at: str) -> None:
    services.add_comment(ticket, by=by, body="Note interne", internal=True, at=utc(at))


def set_status(ticket: Ticket, status: str, by: User, at: str) -> None:
    resolution = "Réparé." if status == TicketStatus.RESOLVED else ""
    services.change_status(ticket, status, by=by, resolution=resolution, at=utc(at))


def resolve(ticket: Ticket, by: User, at: str) -> None:
    set_status(ticket, TicketStatus.RESOLVED, by, at)


def clocks(ticket: Ticket, **fields: Any) -> TicketSla:
    """Set the SLA clocks of ``ticket`` as the figures need them, replacing what the engine computed
    (these tests have no SLA policy, so the engine leaves every clock in state "none")."""
    defaults: dict[str, Any] = {"response_state": ClockState.NONE, "resolution_state": ClockState.NONE}
    for clock in ("response", "resolution"):
        met = fields.get(f"{clock}_met")
        if met is not None and f"{clock}_state" not in fields:
            defaults[f"{clock}_state"] = ClockState.MET if met else ClockState.MISSED
    TicketSla.objects.filter(ticket=ticket).delete()
    return TicketSla.objects.create(ticket=ticket, **{**defaults, **fields})


def survey(ticket: Ticket, *, rating: int | None, answered: str | None, withdrawn: str | None = None) -> SatisfactionSurvey:
    sent = utc(answered) - timedelta(hours=1) if answered else utc("2026-03-01 12:00")
    return SatisfactionSurvey.objects.create(
        ticket=ticket,
        email="demandeur@martin.test",
        sent_at=sent,
        expires_at=sent + timedelta(days=14),
        rating=rating,
        answered_at=utc(answered) if answered else None,
        withdrawn_at=utc(withdrawn) if withdrawn else None,
    )


def outage(ticket: Ticket, service: BusinessService, started: str, ended: str | None) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(
        service=service, outage_started_at=utc(started), outage_ended_at=utc(ended) if ended else None
    )


def link_service(ticket: Ticket, service: BusinessService) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(service=service)
