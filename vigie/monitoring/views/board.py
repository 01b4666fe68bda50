"""The supervision overview (every served client, problems first) and each client's health board."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vigie.monitoring.models import Alert, AlertSeverity, Check, CheckStatus, RestoreTest
from vigie.monitoring.permissions import serves
from vigie.monitoring.views.common import (
    PROBLEM_STATUSES,
    STATUS_ORDER,
    group_by_status,
    served_clients,
    severity_rank,
    status_rank,
    visible_client,
)
from vigie.servicedesk.views.common import allow, current_user, is_htmx_fragment, staff_required
from vigie.tenancy.models import Organization

REFRESH_SECONDS = 30


@dataclass
class ClientRow:
    organization: Organization
    checks: dict[str, int] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)
    untested_backups: int = 0

    @property
    def total(self) -> int:
        return sum(self.checks.values())

    @property
    def failing(self) -> int:
        return sum(self.checks.get(status, 0) for status in PROBLEM_STATUSES)

    @property
    def firing(self) -> int:
        return sum(self.alerts.values())

    @property
    def has_problems(self) -> bool:
        return bool(self.failing or self.alerts.get(AlertSeverity.CRITICAL))

    @property
    def other_alerts(self) -> int:
        return self.firing - self.alerts.get(AlertSeverity.CRITICAL, 0)

    @property
    def cells(self) -> list[tuple[str, int]]:
        return [(status, self.checks.get(status, 0)) for status in STATUS_ORDER]

    def count(self, status: str) -> int:
        return self.checks.get(status, 0)


def never_restored() -> Any:
    return ~Exists(RestoreTest.objects.filter(backup=OuterRef("pk")))


def client_rows(clients: list[Organization]) -> list[ClientRow]:
    """One row per client with its checks by state and firing alerts by severity; three queries."""
    rows = {client.pk: ClientRow(client) for client in clients}
    ids = list(rows)
    checks = Check.objects.filter(organization_id__in=ids).values_list("organization_id", "status").annotate(n=Count("id"))
    for organization_id, status, number in checks.order_by():
        rows[organization_id].checks[status] = number
    alerts = (
        Alert.objects.filter(organization_id__in=ids).firing().values_list("organization_id", "severity").annotate(n=Count("id"))
    )
    for organization_id, severity, number in alerts.order_by():
        rows[organization_id].alerts[severity] = number
    untested = (
        Check.objects.filter(organization_id__in=ids, is_backup=True)
        .filter(never_restored())
        .values_list("organization_id")
        .annotate(n=Count("id"))
    )
    for organization_id, number in untested.order_by():
        rows[organization_id].untested_backups = number
    return sorted(
        rows.values(),
        key=lambda row: (
            not row.has_problems,
            -row.count(CheckStatus.DOWN),
            -row.alerts.get(AlertSeverity.CRITICAL, 0),
            -row.count(CheckStatus.LATE),
            -row.firing,
            row.organization.name.lower(),
        ),
    )


def client_health(organization: Organization) -> dict[str, Any]:
    """A client's checks grouped by state (problems first) and its firing alerts; two queries."""
    checks = list(
        Check.objects.filter(organization=organization)
        .select_related("configuration_item", "service")
        .defer("description", "options")
        .annotate(rank=status_rank(), untested=never_restored())
        .order_by("rank", "name", "id")
    )
    alerts = list(
        Alert.objects.filter(organization=organization)
        .firing()
        .select_related("ticket", "configuration_item", "service", "source_check")
        .defer("description", "labels", "source_check__options", "source_check__description")
        .order_by(severity_rank(), "-last_seen_at", "-id")
    )
    counts = dict.fromkeys(CheckStatus.values, 0)
    for check in checks:
        counts[check.status] = counts.get(check.status, 0) + 1
    return {
        "organization": organization,
        "groups": group_by_status(checks),
        "checks_count": len(checks),
        "counts": counts,
        "alerts": alerts,
        "untested_backups": [check for check in checks if check.is_backup and getattr(check, "untested", False)],
        "refresh_seconds": REFRESH_SECONDS,
    }


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    rows = client_rows(served_clients(request))
    context = {
        "rows": rows,
        "statuses": [(status, dict(CheckStatus.choices)[status]) for status in STATUS_ORDER],
        "problems": sum(1 for row in rows if row.has_problems),
    }
    return render(request, "monitoring/overview.html", context)


@staff_required
def client_board(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = visible_client(request, organization_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    context = client_health(organization)
    context["can_edit"] = serves(current_user(request), organization.pk)
    if is_htmx_fragment(request):
        return render(request, "monitoring/partials/_board.html", context)
    return render(request, "monitoring/client_board.html", context)
