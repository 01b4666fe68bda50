"""Services for checks: create, change, pause, resume and delete, with validation per kind.

Views, the API, commands and the demo call these; each write runs in a transaction and is
audited. Kind-specific validation lives beside each kind (``heartbeats.validation``,
``probes.validation``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.monitoring import permissions
from vigie.monitoring.heartbeats.validation import validate_schedule
from vigie.monitoring.models import PROBE_KINDS, Check, CheckKind, CheckStatus
from vigie.monitoring.probes.validation import validate_probe
from vigie.tenancy.models import Organization

EDITABLE_FIELDS = frozenset(
    {
        "name",
        "description",
        "configuration_item",
        "service",
        "severity",
        "schedule_kind",
        "period_seconds",
        "cron_expression",
        "schedule_timezone",
        "grace_seconds",
        "is_backup",
        "target",
        "port",
        "options",
        "interval_seconds",
        "timeout_seconds",
        "retries",
    }
)


def _require_serving(by: User, organization_id: int) -> None:
    if not permissions.serves(by, organization_id):
        raise PermissionDenied(_("Only the provider's staff serving this client can change its supervision."))


def _validate(check: Check, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    if "name" in fields:
        fields["name"] = str(fields["name"]).strip()
        if not fields["name"]:
            raise ValidationError({"name": _("A name is required.")})
    for relation in ("configuration_item", "service"):
        related = fields.get(relation)
        if related is not None and related.organization_id != check.organization_id:
            raise ValidationError({relation: _("It must belong to the same client.")})
    if check.kind == CheckKind.HEARTBEAT:
        return validate_schedule(fields)
    if check.kind in PROBE_KINDS:
        return validate_probe(check.kind, fields)
    raise ValidationError({"kind": _("Unknown kind of check.")})


def create_check(*, by: User, organization: Organization, kind: str, **fields: Any) -> Check:
    _require_serving(by, organization.pk)
    if kind not in CheckKind.values:
        raise ValidationError({"kind": _("Unknown kind of check.")})
    check = Check(organization=organization, kind=kind)
    fields.setdefault("name", "")
    if kind in PROBE_KINDS:
        fields.setdefault("target", "")
        if kind == CheckKind.TCP:
            fields.setdefault("port", None)
    cleaned = _validate(check, dict(fields))
    for name, value in cleaned.items():
        setattr(check, name, value)
    if kind in PROBE_KINDS:
        check.next_run_at = timezone.now()
    with transaction.atomic(), acting_as(by):
        check.full_clean(exclude=["organization"])
        check.save()
    return check


def update_check(check: Check, *, by: User, **fields: Any) -> Check:
    _require_serving(by, check.organization_id)
    cleaned = _validate(check, dict(fields))
    with transaction.atomic(), acting_as(by):
        for name, value in cleaned.items():
            setattr(check, name, value)
        check.full_clean(exclude=["organization"])
        check.save()
    return check


def pause_check(check: Check, *, by: User) -> Check:
    """A paused check raises nothing; its open alert resolves (the provider chose to stop watching)."""
    _require_serving(by, check.organization_id)
    from vigie.monitoring.alerting import Signal, record_signal

    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        check.status = CheckStatus.PAUSED
        check.status_changed_at = now
        check.late_at = check.down_at = None
        check.next_run_at = None
        check.save()
        record_signal(Signal(check.organization_id, check_dedup_key(check), False, now, source_kind="check"))
    return check


def resume_check(check: Check, *, by: User) -> Check:
    _require_serving(by, check.organization_id)
    with transaction.atomic(), acting_as(by):
        check.status = CheckStatus.NEW
        check.status_changed_at = timezone.now()
        check.consecutive_failures = 0
        if check.kind in PROBE_KINDS:
            check.next_run_at = timezone.now()
        check.save()
    return check


def delete_check(check: Check, *, by: User) -> None:
    _require_serving(by, check.organization_id)
    with transaction.atomic(), acting_as(by):
        check.delete()


def check_dedup_key(check: Check) -> str:
    """The alert key of a check: one alert per check, whatever its runs."""
    return f"check:{check.pk}"
