"""The monthly service review of one client: the steering committee's pack, built once and shown
as an HTML page, a PDF, an e-mail attachment and JSON.

The figures come from the KPI report of the month (``figures.compute``) and its 12-month trend;
a few queries add what a KPI cannot: the comments of the satisfaction surveys, the tickets that
missed their SLA (with the causes their timeline shows), and the open actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from vigie.reports import charts, figures, formatting
from vigie.reports.causes import breach_causes
from vigie.reports.dashboards import TrendCharts, trend_charts
from vigie.reports.kpis import Availability, Compliance, KpiFilter, KpiReport, TrendPoint
from vigie.reports.periods import Month
from vigie.servicedesk.models import (
    Channel,
    EventKind,
    Priority,
    SatisfactionSurvey,
    Ticket,
    TicketEvent,
    TicketQuerySet,
    TicketType,
)
from vigie.sla.calendars import load_specs
from vigie.sla.models import LATE_STATES, TicketSla
from vigie.tenancy.models import Organization

BREACHED_SHOWN = 30
COMMENTS_SHOWN = 30
OLDEST_SHOWN = 10
TOP_CATEGORIES = 5
# Months before the reviewed one looked at to tell a recurring category from a one-off.
RECURRENCE_MONTHS = 3


@dataclass(frozen=True)
class PriorityCompliance:
    priority: int
    label: str
    response: Compliance
    resolution: Compliance


@dataclass(frozen=True)
class Volume:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class RecurringCategory:
    name: str
    count: int
    share: float | None
    previous: int  # tickets of this category in the RECURRENCE_MONTHS before


@dataclass(frozen=True)
class SurveyComment:
    reference: str
    rating: int
    comment: str
    answered_at: datetime


@dataclass(frozen=True)
class BreachedTicket:
    ticket: Ticket
    missed: list[str]  # "response", "resolution"
    missed_labels: list[str]
    causes: list[str]


@dataclass(frozen=True)
class ReviewCharts:
    trend: TrendCharts
    categories: SafeString
    resolution_gauge: SafeString
    response_gauge: SafeString


@dataclass(frozen=True)
class Review:
    organization: Organization
    month: Month
    month_label: str
    language: str
    generated_at: datetime
    report: KpiReport
    trend: list[TrendPoint]
    compliance_by_priority: list[PriorityCompliance]
    by_type: list[Volume]
    by_channel: list[Volume]
    by_category: list[Volume]
    top_categories: list[RecurringCategory]
    comments: list[SurveyComment]
    breached: list[BreachedTicket]
    breached_total: int
    open_high_priority: list[Ticket]
    oldest_open: list[Ticket]
    availability: list[Availability]
    charts: ReviewCharts

    @property
    def mttr_trend(self) -> list[tuple[datetime, float | None]]:
        return [(point.month_start, point.mttr_business_mean) for point in self.trend]


def _label(choices: Any, key: str) -> str:
    try:
        return str(choices(key).label)
    except ValueError:
        return key or _("Not set")


def volumes(counts: dict[str, int], choices: Any) -> list[Volume]:
    """The non-empty counts, largest first, with their labels."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Volume(key, _label(choices, key), count) for key, count in ordered if count]


def compliance_by_priority(report: KpiReport) -> list[PriorityCompliance]:
    """One row per priority that had a target in the month, P1 first."""
    empty = Compliance(0, 0)
    priorities = sorted(set(report.response_compliance_by_priority) | set(report.resolution_compliance_by_priority))
    return [
        PriorityCompliance(
            priority=priority,
            label=_label(Priority, priority),  # type: ignore[arg-type]
            response=report.response_compliance_by_priority.get(priority, empty),
            resolution=report.resolution_compliance_by_priority.get(priority, empty),
        )
        for priority in priorities
    ]


def recurring_categories(report: KpiReport, before: list[tuple[str, int]]) -> list[RecurringCategory]:
    earlier = dict(before)
    return [
        RecurringCategory(
            name=name or _("No category"),
            count=count,
            share=count / report.opened if report.opened else None,
            previous=earlier.get(name, 0),
        )
        for name, count in report.opened_by_category[:TOP_CATEGORIES]
    ]


def survey_comments(user: Any, organization: Organization, month: Month) -> list[SurveyComment]:
    surveys = (
        SatisfactionSurvey.objects.visible_to(user)
        .answered()
        .filter(ticket__organization=organization, answered_at__gte=month.start, answered_at__lt=month.end)
        .exclude(comment="")
        .select_related("ticket")
        .order_by("answered_at", "pk")[:COMMENTS_SHOWN]
    )
    return [
        SurveyComment(survey.ticket.reference, survey.rating or 0, survey.comment.strip(), survey.answered_at or month.start)
        for survey in surveys
    ]


def _missed_in(month: Month) -> Q:
    """Tickets that missed a target in the month: resolved in it late (or answered late), or still
    unresolved at its end with a resolution due date inside it."""
    missed_flag = Q(sla__resolution_met=False) | Q(sla__response_met=False)
    resolved_in_month = Q(resolved_at__gte=month.start, resolved_at__lt=month.end) & missed_flag
    unresolved_at_end = (
        Q(created_at__lt=month.end)
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=month.end))
        & Q(sla__resolution_due_at__lt=month.end)
        & (Q(sla__resolution_state__in=LATE_STATES) | Q(sla__resolution_met=False))
    )
    return resolved_in_month | unresolved_at_end


def breached_tickets(tickets: TicketQuerySet, month: Month, now: datetime) -> tuple[list[BreachedTicket], int]:
    missed = tickets.filter(_missed_in(month))
    total = missed.count()
    timeline = TicketEvent.objects.filter(kind__in=(EventKind.STATUS, EventKind.ASSIGNED, EventKind.PRIORITY)).order_by(
        "at", "pk"
    )
    rows = list(
        missed.for_table()
        .select_related("sla__policy")
        .prefetch_related(Prefetch("events", queryset=timeline, to_attr="cause_events"))
        .order_by("priority", "created_at")[:BREACHED_SHOWN]
    )
    slas: dict[int, TicketSla | None] = {ticket.pk: getattr(ticket, "sla", None) for ticket in rows}
    # The business calendars of their policies (three queries), to tell an opening outside business hours.
    calendars = load_specs({sla.policy.calendar_id for sla in slas.values() if sla is not None and sla.policy is not None})
    labels = {"response": _("response"), "resolution": _("resolution")}
    result = []
    for ticket in rows:
        sla = slas[ticket.pk]
        clocks = []
        if sla is not None and (sla.response_met is False or sla.response_state in LATE_STATES):
            clocks.append("response")
        if sla is not None and (sla.resolution_met is False or sla.resolution_state in LATE_STATES):
            clocks.append("resolution")
        events: list[TicketEvent] = getattr(ticket, "cause_events", [])
        calendar = calendars.get(sla.policy.calendar_id) if sla is not None and sla.policy is not None else None
        findings = breach_causes(ticket, events, sla, calendar=calendar, now=now)
        result.append(BreachedTicket(ticket, clocks, [str(labels[c]) for c in clocks], findings))
    return result, total


def _review_charts(report: KpiReport, trend: list[TrendPoint], top: list[RecurringCategory]) -> ReviewCharts:
    return ReviewCharts(
        trend=trend_charts(trend),
        categories=charts.bar_chart([(item.name, item.count) for item in top], title=_("Top categories of the month")),
        resolution_gauge=charts.gauge(report.resolution_compliance.rate, title=_("Resolution SLA met")),
        response_gauge=charts.gauge(report.response_compliance.rate, title=_("Response SLA met")),
    )


def build_review(user: Any, organization: Organization, month: Month, *, now: datetime | None = None) -> Review:
    """The review of ``organization`` for ``month``, as ``user`` may see it, in the active language.

    The caller has checked that ``user`` sees the organisation company-wide (staff serving it,
    its manager or IT contact); every query is scoped by ``visible_to(user)`` all the same.
    """
    now = now or timezone.now()
    scope = frozenset({organization.pk})
    kpi_filter = KpiFilter(start=month.start, end=month.end, organization_ids=scope)
    report = figures.compute(user, kpi_filter)
    earlier = Month(month.year, month.month)
    for _step in range(RECURRENCE_MONTHS):
        earlier = earlier.previous()
    before = figures.opened_by_category(user, KpiFilter(start=earlier.start, end=month.start, organization_ids=scope))
    trend = sorted(figures.monthly_trend(user, kpi_filter, months=12), key=lambda point: point.month_start)
    tickets = Ticket.objects.visible_to(user).filter(organization=organization)
    open_tickets = tickets.open().for_table()
    breached, breached_total = breached_tickets(tickets, month, now)
    high = list(open_tickets.filter(priority__lte=Priority.P2).order_by("priority", "created_at")[:BREACHED_SHOWN])
    oldest = list(open_tickets.exclude(pk__in=[t.pk for t in high]).order_by("created_at", "pk")[:OLDEST_SHOWN])
    top = recurring_categories(report, before)
    return Review(
        organization=organization,
        month=month,
        month_label=formatting.month_name(month),
        language=get_language() or "",
        generated_at=now,
        report=report,
        trend=trend,
        compliance_by_priority=compliance_by_priority(report),
        by_type=volumes(report.opened_by_type, TicketType),
        by_channel=volumes(report.opened_by_channel, Channel),
        by_category=[Volume(name, name or _("No category"), count) for name, count in report.opened_by_category],
        top_categories=top,
        comments=survey_comments(user, organization, month),
        breached=breached,
        breached_total=breached_total,
        open_high_priority=high,
        oldest_open=oldest,
        availability=list(report.availability),
        charts=_review_charts(report, trend, top),
    )
