"""Alert pages: the list (firing first) with filters, and one alert with its events timeline."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vigie.core.pagination import CappedPaginator
from vigie.monitoring import permissions
from vigie.monitoring.models import Alert, AlertSeverity, AlertStatus
from vigie.monitoring.views.common import chosen_filters, firing_first, served_clients, severity_rank, visible_alert
from vigie.servicedesk.views.common import allow, current_user, staff_required

PAGE_SIZE = 50
EVENTS_SHOWN = 200


@staff_required
def alert_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    clients = served_clients(request)
    chosen = chosen_filters(request, "client", "status", "severity", "source", "q")
    alerts = (
        Alert.objects.visible_to(current_user(request))
        .select_related("organization", "ticket", "configuration_item", "service")
        .defer("description", "labels")
    )
    if chosen["client"]:
        alerts = alerts.filter(organization_id__in=[c.pk for c in clients if str(c.pk) == chosen["client"]])
    if chosen["status"] in AlertStatus.values:
        alerts = alerts.filter(status=chosen["status"])
    if chosen["severity"] in AlertSeverity.values:
        alerts = alerts.filter(severity=chosen["severity"])
    if chosen["source"]:
        alerts = alerts.filter(source_kind=chosen["source"])
    if chosen["q"]:
        alerts = alerts.filter(summary__icontains=chosen["q"])
    alerts = alerts.order_by(firing_first(), severity_rank(), "-last_seen_at", "-id")
    page = CappedPaginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    sources = (
        Alert.objects.visible_to(current_user(request)).order_by("source_kind").values_list("source_kind", flat=True).distinct()
    )
    context = {
        "page": page,
        "alerts": page.object_list,
        "clients": clients,
        "chosen": chosen,
        "statuses": AlertStatus.choices,
        "severities": AlertSeverity.choices,
        "sources": list(sources),
    }
    return render(request, "monitoring/alert_list.html", context)


@staff_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = visible_alert(request, alert_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    events = list(alert.events.order_by("-at", "-id")[:EVENTS_SHOWN])
    context = {
        "alert": alert,
        "events": events,
        "labels": sorted((str(key), str(value)) for key, value in (alert.labels or {}).items()),
        "can_acknowledge": alert.status == AlertStatus.FIRING
        and alert.acknowledged_at is None
        and permissions.serves(request.user, alert.organization_id),
    }
    return render(request, "monitoring/alert_detail.html", context)
