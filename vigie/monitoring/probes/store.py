"""The database side of ``vigie probe``: claiming due checks and writing results back.

Claims are conditional updates, so several probe processes (on one or many machines) share the
work: a check is claimed by one process at a time (``claimed_by``) for a lease
(``claimed_until``); a process that dies leaves claims that expire, and another process takes
them over. On PostgreSQL candidates are locked with ``SELECT ... FOR UPDATE SKIP LOCKED`` so
concurrent claimers never wait on each other; on SQLite, whose writers are serialised, the
conditional UPDATE alone decides, and each process then re-reads what it owns.

Results are written in batches, and only for the checks whose claim is still ours: a process
whose lease ran out while it was stuck writes nothing for the runs another process took over.
The next run is the scheduled time plus the interval (no drift); runs missed by more than
``VIGIE_PROBE_CATCH_UP_SECONDS`` (a probe fleet that was stopped) are not replayed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from vigie.monitoring.alerting import Signal, record_signals
from vigie.monitoring.checks import check_dedup_key
from vigie.monitoring.models import PROBE_KINDS, Check, CheckStatus, ProbePolicy, ProbeResult
from vigie.monitoring.probes.base import Outcome, ProbeJob
from vigie.monitoring.probes.policy import DEFAULT_POLICY, AddressPolicy

logger = logging.getLogger(__name__)

JOB_FIELDS = (
    "id",
    "organization_id",
    "kind",
    "name",
    "target",
    "port",
    "options",
    "timeout_seconds",
    "interval_seconds",
    "retries",
    "severity",
    "next_run_at",
    "configuration_item_id",
    "service_id",
)
POLICY_TTL = 30.0


@dataclass
class Completed:
    job: ProbeJob
    outcome: Outcome
    finished_at: datetime


def lease_seconds() -> int:
    return int(getattr(settings, "VIGIE_PROBE_LEASE_SECONDS", 30))


def run_budget(timeout: float, options: dict[str, Any]) -> float:
    return timeout * max(2, int(options.get("count", 1)) + 1) + 1


class PolicyCache:
    """Each client's probe policy, re-read every ``POLICY_TTL`` seconds."""

    def __init__(self) -> None:
        self._policies: dict[int, tuple[float, AddressPolicy]] = {}

    def load(self, organization_ids: set[int]) -> dict[int, AddressPolicy]:
        now = time.monotonic()
        stale = {org for org in organization_ids if org not in self._policies or now - self._policies[org][0] > POLICY_TTL}
        if stale:
            found = {
                row.organization_id: AddressPolicy.from_text(row.allowed_networks, row.allow_public)
                for row in ProbePolicy.objects.filter(organization_id__in=stale)
            }
            for org in stale:
                self._policies[org] = (now, found.get(org, DEFAULT_POLICY))
        return {org: self._policies[org][1] for org in organization_ids}


def due_checks(now: datetime, cutoff: datetime | None = None) -> Any:
    return (
        Check.objects.filter(kind__in=PROBE_KINDS, next_run_at__lte=cutoff or now)
        .exclude(status=CheckStatus.PAUSED)
        .filter(Q(claimed_by="") | Q(claimed_until__lt=now))
    )


def claim_batch(claim: str, limit: int, policies: PolicyCache, cutoff: datetime | None = None) -> list[ProbeJob]:
    """Claim up to ``limit`` due checks for ``claim``; returns the jobs this process now owns."""
    if limit <= 0:
        return []
    now = timezone.now()
    with transaction.atomic():
        candidates = due_checks(now, cutoff).order_by("next_run_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        rows = list(candidates.values(*JOB_FIELDS)[:limit])
        if not rows:
            return []
        budget = max(run_budget(row["timeout_seconds"], row["options"] or {}) for row in rows)
        until = now + timedelta(seconds=lease_seconds() + budget)
        ids = [row["id"] for row in rows]
        Check.objects.filter(Q(claimed_by="") | Q(claimed_until__lt=now), id__in=ids).update(
            claimed_by=claim, claimed_until=until
        )
        owned = set(Check.objects.filter(id__in=ids, claimed_by=claim).values_list("id", flat=True))
        known = policies.load({row["organization_id"] for row in rows if row["id"] in owned})
    return [
        ProbeJob(
            check_id=row["id"],
            organization_id=row["organization_id"],
            kind=row["kind"],
            name=row["name"],
            target=row["target"],
            port=row["port"],
            options=row["options"] or {},
            timeout=float(row["timeout_seconds"]),
            interval=int(row["interval_seconds"]),
            retries=int(row["retries"]),
            severity=row["severity"],
            scheduled_at=row["next_run_at"],
            claim=claim,
            configuration_item_id=row["configuration_item_id"],
            service_id=row["service_id"],
            policy=known[row["organization_id"]],
        )
        for row in rows
        if row["id"] in owned
    ]


def next_run(scheduled: datetime, interval: int, now: datetime) -> datetime:
    following = scheduled + timedelta(seconds=interval)
    catch_up = timedelta(seconds=int(getattr(settings, "VIGIE_PROBE_CATCH_UP_SECONDS", 300)))
    if following >= now - catch_up:
        return following
    # Far behind (the probes were stopped): the next slot of the same grid after now.
    missed = int((now - scheduled).total_seconds() // interval) + 1
    return scheduled + timedelta(seconds=interval * missed)


def _update_sql() -> str:
    table = connection.ops.quote_name(Check._meta.db_table)
    columns = (
        "last_result_at",
        "last_latency_ms",
        "last_message",
        "consecutive_failures",
        "status",
        "status_changed_at",
        "next_run_at",
    )
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns)
    return f"UPDATE {table} SET {assignments}, claimed_by = '', claimed_until = NULL WHERE id = %s AND claimed_by = %s"  # noqa: S608


def write_results(completed: Sequence[Completed], probe_name: str) -> int:
    """Record the runs whose claim is still ours; returns how many were recorded."""
    if not completed:
        return 0
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    with transaction.atomic():
        current = {
            row["id"]: row
            for row in Check.objects.select_for_update()
            .filter(id__in=[item.job.check_id for item in completed])
            .values("id", "claimed_by", "status", "consecutive_failures", "status_changed_at", "next_run_at")
        }
        results: list[ProbeResult] = []
        updates: list[tuple[Any, ...]] = []
        signals: list[Signal] = []
        for item in completed:
            job, outcome = item.job, item.outcome
            row = current.get(job.check_id)
            if row is None or row["claimed_by"] != job.claim:
                continue  # deleted, or our lease ran out and another process owns it now
            details = dict(outcome.details)
            details["scheduled_at"] = job.scheduled_at.isoformat()
            if outcome.severity and not outcome.ok:
                details["severity"] = outcome.severity
            results.append(
                ProbeResult(
                    probe_check_id=job.check_id,
                    at=item.finished_at,
                    ok=outcome.ok,
                    latency_ms=outcome.latency_ms,
                    message=outcome.message,
                    details=details,
                    probe_name=probe_name[:64],
                )
            )
            status, failures, changed_at, next_at = _transition(job, outcome, dict(row), item.finished_at, now, signals)
            updates.append(
                (
                    adapt(item.finished_at),
                    outcome.latency_ms,
                    outcome.message,
                    failures,
                    status,
                    adapt(changed_at),
                    adapt(next_at),
                    job.check_id,
                    job.claim,
                )
            )
        ProbeResult.objects.bulk_create(results, batch_size=500)
        if updates:
            with connection.cursor() as cursor:
                cursor.executemany(_update_sql(), updates)
        if signals:
            record_signals(signals)
    return len(results)


def _transition(
    job: ProbeJob, outcome: Outcome, row: dict[str, Any], at: datetime, now: datetime, signals: list[Signal]
) -> tuple[str, int, datetime | None, datetime | None]:
    previous = row["status"]
    changed_at = row["status_changed_at"]
    if previous == CheckStatus.PAUSED:  # paused while it ran: record the run, change nothing else
        return previous, row["consecutive_failures"], changed_at, None
    # Rescheduled while it ran (resumed, edited): keep the new time.
    rescheduled = row["next_run_at"] != job.scheduled_at
    next_at = row["next_run_at"] if rescheduled else next_run(job.scheduled_at, job.interval, now)
    if outcome.ok:
        if previous == CheckStatus.DOWN:
            signals.append(_signal(job, outcome, firing=False, at=at))
        if previous != CheckStatus.UP:
            changed_at = at
        return CheckStatus.UP, 0, changed_at, next_at
    failures = row["consecutive_failures"] + 1
    if failures > job.retries:
        if previous != CheckStatus.DOWN:
            signals.append(_signal(job, outcome, firing=True, at=at))
            changed_at = at
        return CheckStatus.DOWN, failures, changed_at, next_at
    return previous, failures, changed_at, next_at


def _signal(job: ProbeJob, outcome: Outcome, *, firing: bool, at: datetime) -> Signal:
    probe = Check(pk=job.check_id)
    summary = f"{job.name}: {outcome.message}" if outcome.message else job.name
    return Signal(
        organization_id=job.organization_id,
        dedup_key=check_dedup_key(probe),
        firing=firing,
        at=at,
        source_kind="check",
        summary=summary,
        severity=(outcome.severity or job.severity) if firing else job.severity,
        check_id=job.check_id,
        configuration_item_id=job.configuration_item_id,
        service_id=job.service_id,
    )


def release(jobs: Sequence[ProbeJob]) -> int:
    """Give back claims that will not be run (graceful stop): another process may take them now."""
    released = 0
    for claim in {job.claim for job in jobs}:
        ids = [job.check_id for job in jobs if job.claim == claim]
        released += Check.objects.filter(id__in=ids, claimed_by=claim).update(claimed_by="", claimed_until=None)
    return released
