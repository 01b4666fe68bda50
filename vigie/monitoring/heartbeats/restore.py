"""Restore tests of backup checks: the proof that a backup can be restored.

A backup job that was never restored is *untested*; its last test decides the rest: *failed*
(the last restore failed or was partial), *stale* (older than ``VIGIE_RESTORE_TEST_MAX_AGE_DAYS``,
180 days by default), *ok* otherwise.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.monitoring import permissions
from vigie.monitoring.models import Check, CheckKind, RestoreResult, RestoreTest

RestoreStatus = Literal["untested", "ok", "failed", "stale"]
STATUS_LABELS = {
    "untested": gettext_lazy("Never restored"),
    "ok": gettext_lazy("Restore tested"),
    "failed": gettext_lazy("Last restore failed"),
    "stale": gettext_lazy("Restore test too old"),
}
MAX_EVIDENCE = 20_000


def max_age_days() -> int:
    return int(getattr(settings, "VIGIE_RESTORE_TEST_MAX_AGE_DAYS", 180))


def record_restore_test(check: Check, *, by: User, performed_on: date, result: str, evidence: str = "") -> RestoreTest:
    """Record a restore test of a backup check (staff serving its client)."""
    if not permissions.serves(by, check.organization_id):
        raise PermissionDenied(_("Only the provider's staff serving this client can change its supervision."))
    errors: dict[str, str] = {}
    if check.kind != CheckKind.HEARTBEAT or not check.is_backup:
        errors["backup"] = _("Restore tests are recorded on backup job checks only.")
    if result not in RestoreResult.values:
        errors["result"] = _("Choose the result of the restore.")
    if not isinstance(performed_on, date):
        errors["performed_on"] = _("Enter the date of the restore test.")
    elif performed_on > timezone.localdate():
        errors["performed_on"] = _("A restore test cannot be in the future.")
    evidence = (evidence or "").strip()
    if len(evidence) > MAX_EVIDENCE:
        errors["evidence"] = _("Keep the evidence under %(limit)s characters (link to a longer report).") % {
            "limit": MAX_EVIDENCE
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), acting_as(by):
        return RestoreTest.objects.create(
            backup=check, performed_on=performed_on, result=result, performed_by=by, evidence=evidence
        )


def restore_status(check: Check, *, today: date | None = None) -> tuple[RestoreTest | None, RestoreStatus]:
    """The last restore test of a backup check and what it says."""
    last = RestoreTest.objects.filter(backup=check).select_related("performed_by").order_by("-performed_on", "-id").first()
    return last, status_of(last, today=today)


def status_of(last: RestoreTest | None, *, today: date | None = None) -> RestoreStatus:
    if last is None:
        return "untested"
    if last.result != RestoreResult.SUCCESS:
        return "failed"
    today = today or timezone.localdate()
    if last.performed_on < today - timedelta(days=max_age_days()):
        return "stale"
    return "ok"
