"""Read-side helpers of the service pages: availability (from the KPI code, not recomputed here),
recovery objectives in hours and minutes, and the supporting configuration items when the CMDB
provides them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.apps import apps
from django.utils import timezone

from vigie.catalog.models import BusinessService
from vigie.reports.kpis import Availability, KpiFilter, tickets_in_scope
from vigie.reports.kpis.availability import availability_of
from vigie.sla.validation import duration_label


def objective_label(minutes: int | None) -> str:
    """“4 h”, “1 h 30”, “45 min”, or “—” when not set."""
    return "—" if minutes is None else duration_label(minutes)


def service_availability(user: Any, service: BusinessService, *, days: int) -> Availability | None:
    """The service's availability over the last ``days`` days, as the dashboards compute it."""
    now = timezone.now()
    kpi_filter = KpiFilter(
        start=now - timedelta(days=days), end=now, organization_ids=frozenset({service.organization_id}), service_id=service.pk
    )
    figures = availability_of(user, tickets_in_scope(user, kpi_filter), kpi_filter, now)
    return next((figure for figure in figures if figure.service_id == service.pk), None)


# Looked up by name: the CMDB app may not hold the model yet (it lands from another branch).
CMDB_COMPONENT: str = "cmdb.ServiceComponent"


def supporting_items(service: BusinessService) -> list[Any] | None:
    """The CMDB's components of the service (``cmdb.ServiceComponent``: a configuration item and
    its redundancy group), or None while the CMDB has no such model."""
    try:
        model: Any = apps.get_model(CMDB_COMPONENT)
    except LookupError:
        return None
    components = model._default_manager.filter(service=service, organization_id=service.organization_id)
    return list(components.select_related("configuration_item", "redundancy_group").order_by("configuration_item__name"))
