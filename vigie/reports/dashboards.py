"""What the three dashboards show: the technician's day, the provider's clients, a client's service.

Figures (compliance, MTTR, CSAT, backlog, availability, trends) come from the KPI functions
through ``vigie.reports.figures``; the lists (my queue, at risk, breached) and the "breached now"
counts come from the SLA clocks the engine stores on each ticket (``sla.TicketSla``). Every
query starts from ``visible_to(user)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from vigie.reports import charts, figures, formatting
from vigie.reports.kpis import Compliance, DurationStats, KpiFilter, KpiReport, TrendPoint
from vigie.reports.periods import Month, Period, recent_months
from vigie.servicedesk.models import OPEN_STATUSES, Ticket, TicketQuerySet, TicketStatus
from vigie.sla.models import ClockState
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization

LIST_SIZE = 25
AT_RISK = Q(sla__response_state=ClockState.AT_RISK) | Q(sla__resolution_state=ClockState.AT_RISK)
BREACHED = Q(sla__response_state=ClockState.BREACHED) | Q(sla__resolution_state=ClockState.BREACHED)
# The clock that matters most for the order of a list: the resolution due date, then the response's.
DUE_FIRST = (
    F("sla__resolution_due_at").asc(nulls_last=True),
    F("sla__response_due_at").asc(nulls_last=True),
    "priority",
    "created_at",
)


def _for_rows(tickets: TicketQuerySet) -> TicketQuerySet:
    return tickets.for_table().select_related("sla")


# ---------------------------------------------------------------- technician


@dataclass(frozen=True)
class StateCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class TicketList:
    tickets: list[Ticket]
    count: int


@dataclass(frozen=True)
class TechnicianDashboard:
    states: list[StateCount]
    open_count: int
    queue: TicketList
    at_risk: TicketList
    breached: TicketList
    unassigned_in_groups: int
    month: KpiReport
    month_label: str


def _listed(tickets: TicketQuerySet) -> TicketList:
    rows = list(_for_rows(tickets).order_by(*DUE_FIRST)[:LIST_SIZE])
    count = len(rows) if len(rows) < LIST_SIZE else tickets.count()
    return TicketList(rows, count)


def technician_dashboard(user: Any, now: datetime | None = None) -> TechnicianDashboard:
    """My open tickets by status, my queue in due order, and the tickets at risk or breached that
    are mine or sit in one of my groups."""
    now = now or timezone.now()
    visible_open = Ticket.objects.visible_to(user).open()
    mine = visible_open.filter(assignee=user)
    group_ids = list(user.technician_groups.values_list("pk", flat=True))
    ours = visible_open.filter(Q(assignee=user) | Q(group_id__in=group_ids))
    by_status = dict(mine.order_by().values_list("status").annotate(count=Count("pk")))
    states = [
        StateCount(status.value, str(status.label), by_status.get(status.value, 0))
        for status in TicketStatus
        if status in OPEN_STATUSES
    ]
    month = Month.current(now)
    report = figures.compute(user, KpiFilter(start=month.start, end=now, assignee_id=user.pk))
    return TechnicianDashboard(
        states=states,
        open_count=sum(state.count for state in states),
        queue=_listed(mine),
        at_risk=_listed(ours.filter(AT_RISK).exclude(BREACHED)),
        breached=_listed(ours.filter(BREACHED)),
        unassigned_in_groups=visible_open.filter(group_id__in=group_ids, assignee__isnull=True).count(),
        month=report,
        month_label=formatting.month_name(month),
    )


# ---------------------------------------------------------------- provider


@dataclass(frozen=True)
class DashboardFilter:
    """What the provider view is narrowed to (``organization`` None: every client the user serves)."""

    period: Period
    organization: Organization | None = None
    group_id: int | None = None
    assignee_id: int | None = None
    priority: int | None = None

    def kpi_filter(self, organization_ids: frozenset[int]) -> KpiFilter:
        return KpiFilter(
            start=self.period.start,
            end=self.period.end,
            organization_ids=organization_ids,
            group_id=self.group_id,
            assignee_id=self.assignee_id,
            priority=self.priority,
        )

    def narrow(self, tickets: TicketQuerySet) -> TicketQuerySet:
        if self.group_id is not None:
            tickets = tickets.filter(group_id=self.group_id)
        if self.assignee_id is not None:
            tickets = tickets.filter(assignee_id=self.assignee_id)
        if self.priority is not None:
            tickets = tickets.filter(priority=self.priority)
        return tickets


@dataclass(frozen=True)
class ClientRow:
    organization: Organization
    report: KpiReport
    breached_now: int


@dataclass(frozen=True)
class ProviderTotals:
    """The "all clients" line of the provider view, added up from the clients' reports. Every
    figure it shows is a count, a ratio of counts or a mean weighted by its count, and a ticket
    belongs to one client: the sums equal the figures of one report over all of them."""

    opened: int
    backlog: int
    resolution_compliance: Compliance
    response_compliance: Compliance
    mttr_business: DurationStats  # the mean only: a median is not a sum
    csat: Compliance

    @classmethod
    def of(cls, reports: list[KpiReport]) -> ProviderTotals:
        def compliance(values: list[Compliance]) -> Compliance:
            return Compliance(met=sum(c.met for c in values), total=sum(c.total for c in values))

        durations = [r.mttr_business for r in reports if r.mttr_business.count and r.mttr_business.mean is not None]
        count = sum(d.count for d in durations)
        mean = sum(d.count * (d.mean or 0.0) for d in durations) / count if count else None
        return cls(
            opened=sum(r.opened for r in reports),
            backlog=sum(r.backlog for r in reports),
            resolution_compliance=compliance([r.resolution_compliance for r in reports]),
            response_compliance=compliance([r.response_compliance for r in reports]),
            mttr_business=DurationStats(count=count, mean=mean, median=None, p90=None),
            csat=compliance([r.csat for r in reports]),
        )


@dataclass(frozen=True)
class ProviderDashboard:
    filter: DashboardFilter
    rows: list[ClientRow]
    total: ProviderTotals
    breached_now: int
    compliance_chart: SafeString
    backlog_chart: SafeString


def served_clients(user: Any) -> list[Organization]:
    """The active client companies the user sees company-wide (staff: the clients they serve)."""
    ids = access_for(user).company_wide_client_ids
    return list(Organization.objects.clients().active().filter(pk__in=ids).order_by("name"))


def breached_now_by_client(user: Any, organization_ids: frozenset[int], narrow: DashboardFilter | None = None) -> dict[int, int]:
    """Open tickets with a clock running late, per client, in one query."""
    tickets = Ticket.objects.visible_to(user).open().filter(organization_id__in=organization_ids).filter(BREACHED)
    if narrow is not None:
        tickets = narrow.narrow(tickets)
    return dict(tickets.order_by().values_list("organization_id").annotate(count=Count("pk")))


def provider_dashboard(user: Any, dashboard_filter: DashboardFilter) -> ProviderDashboard:
    clients = served_clients(user)
    if dashboard_filter.organization is not None:
        clients = [client for client in clients if client.pk == dashboard_filter.organization.pk]
    ids = frozenset(client.pk for client in clients)
    breached = breached_now_by_client(user, ids, dashboard_filter)
    by_client = figures.compute_by_client(user, dashboard_filter.kpi_filter(ids)) if ids else {}
    rows = [ClientRow(client, by_client[client.pk], breached.get(client.pk, 0)) for client in clients if client.pk in by_client]
    total = ProviderTotals.of([row.report for row in rows])
    rated = [row for row in rows if row.report.resolution_compliance.total]
    compliance_chart = charts.bar_chart(
        [(row.organization.name, (row.report.resolution_compliance.rate or 0) * 100) for row in rated],
        title=_("Resolution SLA compliance by client"),
        formatter=lambda value: formatting.percent(value / 100),
        color=charts.MET,
    )
    backlog_chart = charts.bar_chart(
        [(row.organization.name, row.report.backlog) for row in rows if row.report.backlog],
        title=_("Open tickets (backlog) by client"),
    )
    return ProviderDashboard(
        filter=dashboard_filter,
        rows=rows,
        total=total,
        breached_now=sum(breached.values()),
        compliance_chart=compliance_chart,
        backlog_chart=backlog_chart,
    )


# ---------------------------------------------------------------- client (director)


@dataclass(frozen=True)
class TrendCharts:
    volumes: SafeString
    mttr: SafeString
    compliance: SafeString


@dataclass(frozen=True)
class ClientDashboard:
    organization: Organization
    period: Period
    report: KpiReport
    trend: list[TrendPoint]
    charts: TrendCharts
    breached_now: int
    review_months: list[Month] = field(default_factory=list)


def trend_charts(trend: list[TrendPoint]) -> TrendCharts:
    labels = [formatting.short_month(point.month_start) for point in trend]
    volumes = charts.column_chart(
        labels,
        [
            charts.Series(_("Opened"), [point.opened for point in trend]),
            charts.Series(_("Resolved"), [point.resolved for point in trend], charts.MET),
        ],
        title=_("Tickets opened and resolved per month"),
    )
    mttr = charts.line_chart(
        labels,
        [charts.Series(_("MTTR (business hours)"), [formatting.hours(point.mttr_business_mean) for point in trend])],
        title=_("Mean time to resolve, in business hours, per month"),
        formatter=lambda value: formatting.number(value, 0 if value >= 10 else 1),
    )
    compliance = charts.line_chart(
        labels,
        [
            charts.Series(
                _("Resolution SLA met"),
                [None if point.resolution_compliance.rate is None else point.resolution_compliance.rate * 100 for point in trend],
                charts.MET,
            )
        ],
        title=_("Resolution SLA compliance per month"),
        formatter=lambda value: formatting.percent(value / 100, 0),
        ceiling=100,
    )
    return TrendCharts(volumes=volumes, mttr=mttr, compliance=compliance)


def client_dashboard(user: Any, organization: Organization, dashboard_period: Period) -> ClientDashboard:
    """A client company's service for its director: KPIs of the period, 12-month trend, availability."""
    scope = frozenset({organization.pk})
    kpi_filter = KpiFilter(start=dashboard_period.start, end=dashboard_period.end, organization_ids=scope)
    report = figures.compute(user, kpi_filter)
    trend = sorted(figures.monthly_trend(user, kpi_filter, months=12), key=lambda point: point.month_start)
    return ClientDashboard(
        organization=organization,
        period=dashboard_period,
        report=report,
        trend=trend,
        charts=trend_charts(trend),
        breached_now=breached_now_by_client(user, scope).get(organization.pk, 0),
        review_months=recent_months(12),
    )
