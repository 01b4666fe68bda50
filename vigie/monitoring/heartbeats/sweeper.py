"""The sweeper: heartbeats that stopped pinging become late, then down.

Each transition is claimed with a conditional update (``UPDATE ... WHERE status IN (...) AND
down_at <= now``): when two workers sweep at once, or a ping arrives meanwhile, the row lock
makes the second one re-read the row and find nothing to do, so a transition (and its alert
signal) happens once. ``late`` raises no alert; ``down`` fires the check's alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vigie.monitoring.heartbeats.pings import raise_signal
from vigie.monitoring.models import Check, CheckKind, CheckStatus

BATCH = 500
WATCHED = (CheckStatus.UP, CheckStatus.LATE)


@dataclass(frozen=True)
class SweepResult:
    late: int
    down: int


def sweep_heartbeats(now: datetime | None = None) -> SweepResult:
    """Move overdue heartbeats up → late → down; returns how many moved (by this caller)."""
    now = now or timezone.now()
    base = Check.objects.filter(kind=CheckKind.HEARTBEAT, organization__is_active=True)
    down = 0
    for _round in range(1000):
        due = list(base.filter(status__in=WATCHED, down_at__lte=now).order_by("down_at").values_list("pk", flat=True)[:BATCH])
        for pk in due:
            down += _claim_down(pk, now)
        if len(due) < BATCH:
            break
    late = base.filter(status=CheckStatus.UP, late_at__lte=now).update(status=CheckStatus.LATE, status_changed_at=now)
    return SweepResult(late=late, down=down)


def _claim_down(pk: int, now: datetime) -> int:
    with transaction.atomic():
        claimed = Check.objects.filter(pk=pk, status__in=WATCHED, down_at__lte=now).update(
            status=CheckStatus.DOWN,
            status_changed_at=now,
            late_at=None,
            down_at=None,
            last_result_at=now,
            consecutive_failures=1,
        )
        if not claimed:
            return 0  # someone else moved it first (another worker, or a ping)
        check = Check.objects.get(pk=pk)
        with translation.override(settings.LANGUAGE_CODE):
            message = _("No ping received in time.")
            Check.objects.filter(pk=pk).update(last_message=message)
            raise_signal(check, firing=True, at=now, summary=message)
    return 1
