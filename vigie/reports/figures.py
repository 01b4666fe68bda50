"""The one door from the dashboards and the review to the KPI functions of ``vigie.reports.kpis``.

Every figure shown by a dashboard, a review or the review API comes through these calls, so the
UI, the PDF and the API give the same numbers as the KPI endpoints. (Called through the module,
so that a test may stand in for the KPI functions.)
"""

from __future__ import annotations

from typing import Any

from vigie.reports import kpis
from vigie.reports.kpis import KpiFilter, KpiReport, TrendPoint


def compute(user: Any, kpi_filter: KpiFilter) -> KpiReport:
    return kpis.compute(user, kpi_filter)


def compute_by_client(user: Any, kpi_filter: KpiFilter) -> dict[int, KpiReport]:
    """One report per client in scope, in as many queries as one ``compute``."""
    return kpis.compute_by_client(user, kpi_filter)


def monthly_trend(user: Any, kpi_filter: KpiFilter, months: int = 12) -> list[TrendPoint]:
    return kpis.monthly_trend(user, kpi_filter, months=months)


def opened_by_category(user: Any, kpi_filter: KpiFilter) -> list[tuple[str, int]]:
    return kpis.opened_by_category(user, kpi_filter)
