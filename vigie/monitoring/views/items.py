"""Supervision on a configuration item's page: its machine inventory, software, inventory
changes, the checks watching it and its alerts (``supervision_for``, read by the CMDB item view),
and its metrics graphs (``item_metrics``, loaded by the page with htmx: the names and series
are the costly part, kept out of the page's own queries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString

from vigie.cmdb.models import ConfigurationItem
from vigie.cmdb.views.common import visible_item
from vigie.monitoring.metrics.series import metric_names, series
from vigie.monitoring.models import Alert, Check, InstalledSoftware, InventorySnapshot, MachineInventory
from vigie.monitoring.permissions import serves
from vigie.monitoring.views import graphs
from vigie.monitoring.views.common import firing_first, status_rank
from vigie.servicedesk.views.common import allow, staff_required

SOFTWARE_SHOWN = 300
CHANGES_SHOWN = 10
ALERTS_SHOWN = 20
METRICS_SHOWN = 12


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


def _changes(snapshot: InventorySnapshot) -> list[Change]:
    found = []
    for name, value in sorted((snapshot.changes or {}).items()):
        if isinstance(value, dict) and ("before" in value or "after" in value):
            found.append(Change(name, value.get("before"), value.get("after")))
        elif isinstance(value, list | tuple) and len(value) == 2:
            found.append(Change(name, value[0], value[1]))
        else:
            found.append(Change(name, None, value))
    return found


def supervision_for(item: ConfigurationItem, user: Any) -> dict[str, Any]:
    """The CMDB page's "Supervision" section; five queries (six past 300 programs)."""
    inventory = MachineInventory.objects.filter(configuration_item=item).defer("data").first()
    software = list(InstalledSoftware.objects.filter(configuration_item=item).order_by("name", "version")[: SOFTWARE_SHOWN + 1])
    software_count = len(software)
    if software_count > SOFTWARE_SHOWN:
        software = software[:SOFTWARE_SHOWN]
        software_count = InstalledSoftware.objects.filter(configuration_item=item).count()
    snapshots = list(InventorySnapshot.objects.filter(configuration_item=item).order_by("-at", "-id")[:CHANGES_SHOWN])
    checks = list(
        Check.objects.visible_to(user)
        .filter(configuration_item=item)
        .defer("options", "description")
        .annotate(rank=status_rank())
        .order_by("rank", "name", "id")
    )
    alerts = list(
        Alert.objects.visible_to(user)
        .filter(configuration_item=item)
        .select_related("ticket")
        .defer("description", "labels")
        .order_by(firing_first(), "-last_seen_at", "-id")[:ALERTS_SHOWN]
    )
    return {
        "inventory": inventory,
        "software": software,
        "software_count": software_count,
        "inventory_changes": [(snapshot, _changes(snapshot)) for snapshot in snapshots],
        "watching_checks": checks,
        "item_alerts": alerts,
        "can_add_check": serves(user, item.organization_id),
    }


@dataclass(frozen=True)
class MetricGraph:
    name: str
    chart: SafeString
    measures: int


@staff_required
def item_metrics(request: HttpRequest, item_id: int) -> HttpResponse:
    """The metrics graphs of a CI over 24 hours, 7 or 30 days (a fragment for the CMDB page)."""
    item = visible_item(request, item_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    span = graphs.chosen_span(request.GET.get("span", ""))
    end = timezone.now()
    start = end - span.length
    charts = []
    names = metric_names(item.pk)
    for name in names[:METRICS_SHOWN]:
        points = series(item.pk, name, start, end)
        chart, measures = graphs.time_chart(
            ((point.at, point.average) for point in points),
            span=span,
            end=end,
            title=name,
            formatter=graphs.metric_formatter(name),
            width=480,
            height=200,
        )
        charts.append(MetricGraph(name, chart, measures))
    context = {
        "item": item,
        "metric_graphs": charts,
        "span": span,
        "spans": graphs.SPANS,
        "more_metrics": len(names) - len(charts),
    }
    return render(request, "monitoring/partials/_metrics.html", context)
