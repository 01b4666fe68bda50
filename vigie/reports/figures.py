"""The one door from the dashboards and the review to the KPI functions of ``vigie.reports.kpis``.

Every figure shown by a dashboard, a review or the review API comes through these two calls,
so the UI, the PDF and the API give the same numbers as the KPI endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vigie.reports import kpis
from vigie.reports.kpis import KpiFilter, KpiReport, TrendPoint


def _kpi_function(name: str) -> Callable[..., Any]:
    # Looked up at call time, so that the implementation (and a test's stand-in) is always the current one.
    function: Callable[..., Any] = vars(kpis)[name]
    return function


def compute(user: Any, kpi_filter: KpiFilter) -> KpiReport:
    report: KpiReport = _kpi_function("compute")(user, kpi_filter)
    return report


def monthly_trend(user: Any, kpi_filter: KpiFilter, months: int = 12) -> list[TrendPoint]:
    points: list[TrendPoint] = _kpi_function("monthly_trend")(user, kpi_filter, months=months)
    return points
