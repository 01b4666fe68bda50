"""The KPIs of the service desk: one definition each (docs/kpis.md gives the formulas).

``contract`` holds what the figures are (``KpiFilter`` in, ``KpiReport`` and ``TrendPoint``
out); dashboards, the monthly review and the API all call ``compute`` / ``monthly_trend`` and
read those, so the UI and the API give the same numbers.
"""

from vigie.reports.kpis.contract import (
    Availability,
    Compliance,
    DurationStats,
    KpiFilter,
    KpiReport,
    TrendPoint,
    elapsed_seconds,
    month_bounds,
)
from vigie.reports.kpis.figures import compute, compute_by_client, opened_by_category, tickets_in_scope
from vigie.reports.kpis.parameters import (
    KPI_PARAMETERS,
    TREND_PARAMETERS,
    filter_from_params,
    months_from_params,
    unknown_parameters,
)
from vigie.reports.kpis.trend import MAX_MONTHS, monthly_trend

__all__ = [
    "KPI_PARAMETERS",
    "MAX_MONTHS",
    "TREND_PARAMETERS",
    "Availability",
    "Compliance",
    "DurationStats",
    "KpiFilter",
    "KpiReport",
    "TrendPoint",
    "compute",
    "compute_by_client",
    "elapsed_seconds",
    "filter_from_params",
    "month_bounds",
    "monthly_trend",
    "months_from_params",
    "opened_by_category",
    "tickets_in_scope",
    "unknown_parameters",
]
