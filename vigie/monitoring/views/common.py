"""Helpers shared by the supervision pages: which client, check or alert; how problems sort."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from vigie.monitoring.models import Alert, AlertSeverity, AlertStatus, Check, CheckStatus
from vigie.servicedesk.views.common import current_user
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization

# Problems first: down, late, then new, paused, up.
STATUS_ORDER = (CheckStatus.DOWN, CheckStatus.LATE, CheckStatus.NEW, CheckStatus.PAUSED, CheckStatus.UP)
SEVERITY_ORDER = (AlertSeverity.CRITICAL, AlertSeverity.WARNING, AlertSeverity.INFO)
PROBLEM_STATUSES = frozenset({CheckStatus.DOWN, CheckStatus.LATE})


def status_rank() -> Case:
    return Case(
        *(When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)),
        default=Value(len(STATUS_ORDER)),
        output_field=IntegerField(),
    )


def severity_rank() -> Case:
    return Case(
        *(When(severity=severity, then=Value(rank)) for rank, severity in enumerate(SEVERITY_ORDER)),
        default=Value(len(SEVERITY_ORDER)),
        output_field=IntegerField(),
    )


def firing_first() -> Case:
    return Case(When(status=AlertStatus.FIRING, then=Value(0)), default=Value(1), output_field=IntegerField())


def served_clients(request: HttpRequest) -> list[Organization]:
    """The client companies whose supervision this user reads, by name."""
    access = access_for(current_user(request))
    return list(Organization.objects.clients().filter(pk__in=access.company_wide_client_ids).order_by("name"))


def visible_client(request: HttpRequest, organization_id: int) -> Organization:
    access = access_for(current_user(request))
    return get_object_or_404(Organization.objects.clients().filter(pk__in=access.company_wide_client_ids), pk=organization_id)


def visible_checks(request: HttpRequest) -> QuerySet[Check]:
    return Check.objects.visible_to(current_user(request))


def visible_check(request: HttpRequest, check_id: int) -> Check:
    """The check if this user may see it; 404 otherwise, whoever owns it."""
    checks = visible_checks(request).select_related("organization", "configuration_item", "service")
    return get_object_or_404(checks, pk=check_id)


def visible_alert(request: HttpRequest, alert_id: int) -> Alert:
    alerts = Alert.objects.visible_to(current_user(request)).select_related(
        "organization", "ticket", "configuration_item", "service", "source_check", "intake_source", "acknowledged_by"
    )
    return get_object_or_404(alerts, pk=alert_id)


def chosen_filters(request: HttpRequest, *names: str) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip()[:100] for name in names}


def group_by_status(checks: list[Any]) -> list[tuple[str, str, list[Any]]]:
    """(status, label, checks) in problem-first order, empty groups left out."""
    labels = dict(CheckStatus.choices)
    groups: dict[str, list[Any]] = {status: [] for status in STATUS_ORDER}
    for check in checks:
        groups.setdefault(check.status, []).append(check)
    return [(status, str(labels.get(status, status)), items) for status, items in groups.items() if items]
