"""The ping intake: one ping of a heartbeat, stored and applied to its check in one short transaction.

This is the hot path (thousands of pings a second): one ``SELECT ... FOR UPDATE`` of the check
(which also tells an unknown key or an inactive client apart), one ``INSERT`` of the ping, one
``UPDATE`` of the check, and an alert signal only when the check goes down or comes back up.
No audit entry: a ping is recorded as a ``Ping`` row, which is its own trace.

Semantics follow Healthchecks:

- ``success`` (or exit status 0) and ``fail`` (or a non-zero exit status) complete a run: they set
  ``last_ping_at``, compute the run's duration from its start, and move the check up or down; a
  paused check is resumed by them (as Healthchecks does when "manual resume" is off);
- ``start`` records the start of a run (``last_start_at``); a check that is up goes down if the
  run does not complete within the grace period; it changes no state and does not resume a
  paused check;
- ``log`` only stores the ping (with its body) for the record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vigie.monitoring.heartbeats import fastpath
from vigie.monitoring.heartbeats.schedule import deadlines
from vigie.monitoring.models import Check, CheckKind, CheckStatus, Ping, PingKind

# A run's start is looked for this far back (a backup running longer is not paired).
MAX_RUN = timedelta(days=7)
COMPLETIONS = frozenset({PingKind.SUCCESS, PingKind.FAIL, PingKind.EXIT})
_LOCKED_FIELDS = (
    "id",
    "kind",
    "organization_id",
    "name",
    "status",
    "severity",
    "configuration_item_id",
    "service_id",
    "schedule_kind",
    "period_seconds",
    "cron_expression",
    "schedule_timezone",
    "grace_seconds",
    "last_ping_at",
    "last_start_at",
    "down_at",
    "consecutive_failures",
)


@dataclass(frozen=True)
class IncomingPing:
    ping_key: uuid.UUID
    kind: str
    method: str
    exit_status: int | None = None
    run_id: uuid.UUID | None = None
    remote_address: str | None = None
    user_agent: str = ""
    body: str = ""
    body_truncated: bool = False


def failed(ping: IncomingPing) -> bool:
    if ping.kind == PingKind.EXIT:
        return ping.exit_status != 0
    return ping.kind == PingKind.FAIL


def record_ping(ping: IncomingPing, *, now: datetime | None = None) -> bool:
    """Store a ping and apply it to its check; False when no active client's heartbeat has this key.

    Returns True once the ping is committed: the caller may acknowledge it. The common pings
    take the one-statement path of ``fastpath`` on PostgreSQL; the others this general one.
    """
    now = now or timezone.now()
    if fastpath.applies(ping.kind, ping.exit_status, ping.run_id) and not connection.in_atomic_block:
        values = {
            "key": ping.ping_key,
            "exit_status": ping.exit_status,
            "method": ping.method[:8],
            "remote": ping.remote_address,
            "agent": ping.user_agent[:200],
            "body": ping.body,
            "truncated": ping.body_truncated,
        }
        if fastpath.try_record(values, ping.kind, now) == fastpath.STORED:
            return True
    with transaction.atomic():
        check = (
            Check.objects.select_for_update(of=("self",))
            .filter(ping_key=ping.ping_key, organization__is_active=True)
            .only(*_LOCKED_FIELDS)
            .first()
        )
        # The unique key alone picks the row (its index); a probe's key takes no pings.
        if check is None or check.kind != CheckKind.HEARTBEAT:
            return False
        stored = Ping(
            heartbeat=check,
            at=now,
            kind=ping.kind,
            exit_status=ping.exit_status,
            run_id=ping.run_id,
            method=ping.method[:8],
            remote_address=ping.remote_address,
            user_agent=ping.user_agent[:200],
            body=ping.body,
            body_truncated=ping.body_truncated,
        )
        if ping.kind in COMPLETIONS:
            stored.duration_seconds = _duration(check, ping.run_id, now)
        stored.save(force_insert=True)
        if ping.kind == PingKind.START:
            _apply_start(check, now)
        elif ping.kind in COMPLETIONS:
            _apply_completion(check, stored, failed(ping), now)
    return True


def _apply_start(check: Check, now: datetime) -> None:
    changes: dict[str, object] = {"last_start_at": now}
    if check.status in (CheckStatus.UP, CheckStatus.LATE):
        run_deadline = now + timedelta(seconds=check.grace_seconds)
        if check.down_at is None or run_deadline < check.down_at:
            changes["down_at"] = run_deadline
    Check.objects.filter(pk=check.pk).update(**changes)


def _duration(check: Check, run_id: uuid.UUID | None, now: datetime) -> float | None:
    """Seconds since this run's start: the start with the same run id, or else the last start
    without one since the previous completion (Healthchecks' pairing)."""
    if run_id is None:
        last_start = check.last_start_at
        if last_start is None or (check.last_ping_at is not None and last_start <= check.last_ping_at):
            return None  # no start since the previous completion: nothing to pair
        starts = Ping.objects.filter(heartbeat_id=check.pk, kind=PingKind.START, run_id__isnull=True, at__gte=last_start)
    else:
        starts = Ping.objects.filter(heartbeat_id=check.pk, kind=PingKind.START, run_id=run_id, at__gte=now - MAX_RUN)
    started = starts.order_by("-at").values_list("at", flat=True).first()
    if started is None or started > now:
        return None
    return (now - started).total_seconds()


def _apply_completion(check: Check, stored: Ping, is_failure: bool, now: datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _complete(check, stored, is_failure, now)


def _complete(check: Check, stored: Ping, is_failure: bool, now: datetime) -> None:
    previous = check.status
    changes: dict[str, object] = {"last_ping_at": now, "last_result_at": now}
    if stored.duration_seconds is not None:
        changes["last_duration_seconds"] = stored.duration_seconds
    if is_failure:
        new_status = CheckStatus.DOWN
        changes["consecutive_failures"] = check.consecutive_failures + 1
        changes["late_at"] = changes["down_at"] = None
        changes["last_message"] = (
            _("Exit status %(status)s") % {"status": stored.exit_status}
            if stored.kind == PingKind.EXIT
            else _("The job reported a failure.")
        )
    else:
        new_status = CheckStatus.UP
        changes["consecutive_failures"] = 0
        changes["late_at"], changes["down_at"] = deadlines(check, now)
        changes["last_message"] = ""
    changes["status"] = new_status
    if new_status != previous:
        changes["status_changed_at"] = now
    Check.objects.filter(pk=check.pk).update(**changes)
    if new_status == CheckStatus.DOWN and previous != CheckStatus.DOWN:
        raise_signal(check, firing=True, at=now, summary=str(changes["last_message"]))
    elif new_status == CheckStatus.UP and previous == CheckStatus.DOWN:
        raise_signal(check, firing=False, at=now, summary="")


def raise_signal(check: Check, *, firing: bool, at: datetime, summary: str) -> None:
    """The check's alert fires (down) or resolves (back up), through the one signal intake."""
    from vigie.monitoring.alerting import Signal, record_signal
    from vigie.monitoring.checks import check_dedup_key

    text = _("%(check)s is down: %(reason)s") % {"check": check.name, "reason": summary} if firing and summary else ""
    if firing and not text:
        text = _("%(check)s is down") % {"check": check.name}
    record_signal(
        Signal(
            organization_id=check.organization_id,
            dedup_key=check_dedup_key(check),
            firing=firing,
            at=at,
            source_kind="check",
            summary=text,
            severity=check.severity,
            check_id=check.pk,
            configuration_item_id=check.configuration_item_id,
            service_id=check.service_id,
        )
    )
