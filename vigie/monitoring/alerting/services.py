"""Writes on alert settings and alerts by people: maintenance windows, the client's alert
policy, acknowledging an alert. Each checks that the actor serves the client, validates, then
writes in a transaction with the actor in the audit trail. Views and the API call these."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.monitoring import permissions
from vigie.monitoring.alerting.policy import policy_for
from vigie.monitoring.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertPolicy,
    AlertSeverity,
    AlertStatus,
    MaintenanceWindow,
    Recurrence,
)
from vigie.tenancy.models import Organization

WINDOW_FIELDS = frozenset({"name", "configuration_item", "service", "starts_at", "ends_at", "recurrence", "repeat_until"})
POLICY_FIELDS = frozenset(
    {
        "open_incidents",
        "incident_min_severity",
        "resolve_on_recovery",
        "reopen_within_days",
        "flapping_changes",
        "flapping_window_minutes",
    }
)
LONGEST = {
    Recurrence.DAILY: timedelta(days=1),
    Recurrence.WEEKLY: timedelta(days=7),
    Recurrence.MONTHLY: timedelta(days=28),
}


def require_serving(by: User, organization_id: int) -> None:
    if not permissions.serves(by, organization_id):
        raise PermissionDenied(_("Only the provider's staff serving this client can change its supervision."))


def _clean_window(window: MaintenanceWindow) -> None:
    errors: dict[str, str] = {}
    window.name = (window.name or "").strip()
    if not window.name:
        errors["name"] = _("Say why (a reason is required).")
    if window.configuration_item is not None and window.configuration_item.organization_id != window.organization_id:
        errors["configuration_item"] = _("It must belong to the same client.")
    if window.service is not None and window.service.organization_id != window.organization_id:
        errors["service"] = _("It must belong to the same client.")
    if window.configuration_item_id and window.service_id:
        errors["service"] = _("Choose a configuration item or a service, not both.")
    if window.starts_at and window.ends_at and window.ends_at <= window.starts_at:
        errors["ends_at"] = _("The end must come after the start.")
    if window.recurrence not in Recurrence.values:
        errors["recurrence"] = _("Unknown repetition.")
    elif window.recurrence != Recurrence.NONE:
        longest = LONGEST[Recurrence(window.recurrence)]
        if window.starts_at and window.ends_at and window.ends_at - window.starts_at > longest:
            errors["ends_at"] = _("A repeated window must be shorter than its period.")
        if window.repeat_until is not None and window.starts_at and window.repeat_until < timezone.localdate(window.starts_at):
            errors["repeat_until"] = _("The last repetition cannot come before the first.")
    elif window.repeat_until is not None:
        window.repeat_until = None
    if errors:
        raise ValidationError(errors)


def create_window(*, by: User, organization: Organization, **fields: Any) -> MaintenanceWindow:
    require_serving(by, organization.pk)
    unknown = set(fields) - WINDOW_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    window = MaintenanceWindow(organization=organization, created_by=by, **fields)
    _clean_window(window)
    with transaction.atomic(), acting_as(by):
        window.save()
    return window


def update_window(window: MaintenanceWindow, *, by: User, **fields: Any) -> MaintenanceWindow:
    require_serving(by, window.organization_id)
    unknown = set(fields) - WINDOW_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(window, name, value)
    _clean_window(window)
    with transaction.atomic(), acting_as(by):
        window.save()
    return window


def delete_window(window: MaintenanceWindow, *, by: User) -> None:
    """Alerts it silenced act at the next sweep, if still firing."""
    require_serving(by, window.organization_id)
    with transaction.atomic(), acting_as(by):
        window.delete()


def policy_of(organization: Organization) -> AlertPolicy:
    return policy_for(organization.pk)


def update_policy(policy: AlertPolicy, *, by: User, **fields: Any) -> AlertPolicy:
    require_serving(by, policy.organization_id)
    unknown = set(fields) - POLICY_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    errors: dict[str, str] = {}
    if "incident_min_severity" in fields and fields["incident_min_severity"] not in AlertSeverity.values:
        errors["incident_min_severity"] = _("Unknown severity.")
    if "flapping_window_minutes" in fields and not 1 <= int(fields["flapping_window_minutes"]) <= 24 * 60:
        errors["flapping_window_minutes"] = _("Between 1 minute and 24 hours.")
    if "reopen_within_days" in fields and int(fields["reopen_within_days"]) > 90:
        errors["reopen_within_days"] = _("At most 90 days.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), acting_as(by):
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.save()
    return policy


def acknowledge_alert(alert: Alert, *, by: User, note: str = "") -> Alert:
    """Someone is on it: the alert's current firing escalates no further. Acknowledging twice
    changes nothing; a resolved alert cannot be acknowledged."""
    require_serving(by, alert.organization_id)
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status != AlertStatus.FIRING:
            raise ValidationError({"alert": _("Only a firing alert can be acknowledged.")})
        fired_at = alert.fired_at or alert.first_seen_at
        if alert.acknowledged_at is not None and alert.acknowledged_at >= fired_at:
            return alert
        alert.acknowledged_at = now
        alert.acknowledged_by = by
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
        AlertEvent.objects.create(
            alert=alert, at=now, kind=AlertEventKind.ACKNOWLEDGED, message=(note or str(by))[:500], details={"by": by.pk}
        )
    return alert
