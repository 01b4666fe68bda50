"""Read-side helpers of the service pages: availability (from the KPI code, not recomputed here),
recovery objectives in hours and minutes, and the configuration items of the CMDB that
support the service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from vigie.catalog.models import BusinessService
from vigie.cmdb.models import ServiceComponent
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


def supporting_items(service: BusinessService) -> list[ServiceComponent]:
    """The configuration items the service stands on (with their redundancy group), by name."""
    components = ServiceComponent.objects.filter(service=service, organization_id=service.organization_id)
    return list(components.select_related("configuration_item", "redundancy_group").order_by("configuration_item__name"))
