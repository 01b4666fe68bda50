"""The SLA clocks of tickets, rebuilt from their status history (the rules are in docs/sla.md).

Both clocks start when the ticket is created and count business time on the calendar of the
ticket's target (or policy):

- the **response** clock runs until the first public reply from staff (``first_response_at``) or
  the first resolution, closure or cancellation if that comes first (a resolution answers the
  requester); it is paused while the status is one of the policy's response pause statuses;
- the **resolution** clock runs while the ticket is open and its status is not one of the
  policy's resolution pause statuses; the time spent resolved before a reopening does not
  count, and a resolved or closed ticket has a stopped clock;
- a cancelled ticket has no outcome on either clock (state ``none``, met ``None``).

The target of the ticket's *current* policy and priority applies to its whole life: a priority
or policy change recomputes the clocks from the history, past pauses included.

A clock's **due moment** is the instant its counted business time reaches the target (for a
running clock: now plus the remaining business time). The due moment is the deadline: a
running clock is *breached* once it has passed, a stopped clock is *met* if it stopped at or
before it and *missed* otherwise. A clock is *at risk* once it has used the policy's at-risk
share of the target (default 75 %).

``refresh`` recomputes one ticket inside the service's transaction after every change;
``recompute`` does many tickets in chunks (two queries and one upsert a chunk) for the
command, the worker and configuration changes. Rows whose outcome came from an import
(``imported``) are never rewritten.
"""

from __future__ import annotations

import logging
import time as monotonic_time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone

from vigie.servicedesk.models import OPEN_STATUSES, EventKind, Ticket, TicketEvent, TicketStatus
from vigie.sla.calendars import (
    SECOND,
    BusinessClock,
    CalendarSpec,
    clock_for,
    from_microseconds,
    load_specs,
    to_microseconds,
)
from vigie.sla.matching import PolicyRules, category_chain, category_parents, load_rules, match
from vigie.sla.models import BusinessCalendar, ClockState, SlaPolicy, TicketSla
from vigie.sla.storage import upsert

logger = logging.getLogger(__name__)

FINISHED = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED})
SOLVED = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class TicketFacts:
    """What the clocks of one ticket depend on, read from the ticket and its status events."""

    ticket_id: int
    organization_id: int
    type: str
    category_id: int | None
    priority: int
    status: str
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    # (at, old status, new status) of each status event, in time order.
    changes: tuple[tuple[datetime, str | None, str | None], ...] = ()


Segment = tuple[int, str]  # (start in µs since the epoch, status); it lasts until the next one starts


def status_segments(facts: TicketFacts) -> list[Segment]:
    """The ticket's status over time from its creation: the first status is the ``old`` of the
    first status event (else the current status); times before creation or going backwards are
    clamped; the current status wins if the history does not end with it."""
    created = to_microseconds(facts.created_at)
    first = facts.changes[0][1] if facts.changes and facts.changes[0][1] else None
    segments: list[Segment] = [(created, first or (facts.changes[0][2] if facts.changes else None) or facts.status)]
    for at, _old, new in facts.changes:
        if not new:
            continue
        _append(segments, max(to_microseconds(at), segments[-1][0]), new)
    if segments[-1][1] != facts.status:
        stamps: dict[str, datetime | None] = {
            TicketStatus.RESOLVED.value: facts.resolved_at,
            TicketStatus.CLOSED.value: facts.closed_at or facts.resolved_at,
            TicketStatus.CANCELLED.value: facts.closed_at,
        }
        stamp = stamps.get(facts.status)
        moment = to_microseconds(stamp) if stamp is not None else segments[-1][0]
        _append(segments, max(moment, segments[-1][0]), facts.status)
    return segments


def _append(segments: list[Segment], start: int, status: str) -> None:
    if status == segments[-1][1]:
        return
    if start == segments[-1][0]:
        segments[-1] = (start, status)  # a zero-length status: only the later one matters
        if len(segments) > 1 and segments[-2][1] == status:
            segments.pop()
        return
    segments.append((start, status))


@dataclass(frozen=True)
class ClockResult:
    state: str
    target_minutes: int | None
    elapsed_seconds: int
    due_at: datetime | None
    at_risk_at: datetime | None
    met: bool | None
    paused_since: datetime | None
    paused_seconds: int = 0


NO_CLOCK = ClockResult(ClockState.NONE, None, 0, None, None, None, None)


def measure_clock(
    segments: Sequence[Segment],
    *,
    clock: BusinessClock,
    pause_statuses: frozenset[str],
    stop: int | None,
    now: int,
    target_minutes: int | None,
    at_risk_percent: int,
    outcome: bool = True,
    elapsed_at: Callable[[int], int] | None = None,
) -> ClockResult:
    """One clock over the status segments: it counts while the status is open and not a pause
    status, until ``stop`` (an instant, for a stopped clock) or ``now``. ``elapsed_at`` may
    memoise ``clock.elapsed`` across the two clocks of a ticket."""
    elapsed_at = elapsed_at or clock.elapsed
    limit = min(now, stop) if stop is not None else now
    counted: list[tuple[int, int, int]] = []  # (start, business time before it, business time in it)
    elapsed = 0
    paused = 0
    for index, (start, status) in enumerate(segments):
        end = segments[index + 1][0] if index + 1 < len(segments) else limit
        end = min(end, limit)
        if end <= start or status not in OPEN_STATUSES:
            continue
        base = elapsed_at(start)
        used = elapsed_at(end) - base
        if status in pause_statuses:
            paused += used
        else:
            counted.append((start, base, used))
            elapsed += used
    elapsed_seconds = elapsed // SECOND
    paused_seconds = paused // SECOND
    if target_minutes is None or not outcome:
        return ClockResult(ClockState.NONE, target_minutes, elapsed_seconds, None, None, None, None, paused_seconds)
    target = target_minutes * 60 * SECOND
    risk = target * at_risk_percent // 100
    if stop is not None:
        due = _reach(counted, target, clock, extend_from=stop, extend_base=elapsed_at(stop))
        met = due is None or stop <= due
        state = ClockState.MET if met else ClockState.MISSED
        return ClockResult(state, target_minutes, elapsed_seconds, _moment(due), None, met, None, paused_seconds)
    if _status_at(segments, limit) in pause_statuses:
        due = _reach(counted, target, clock, extend_from=None, extend_base=0)
        breached = due is not None and due < now
        return ClockResult(
            ClockState.BREACHED if breached else ClockState.PAUSED,
            target_minutes,
            elapsed_seconds,
            _moment(due) if breached else None,
            None,
            None,
            _moment(_paused_since(segments, pause_statuses, limit)),
            paused_seconds,
        )
    now_base = elapsed_at(now)
    due = _reach(counted, target, clock, extend_from=now, extend_base=now_base)
    at_risk_at = _reach(counted, risk, clock, extend_from=now, extend_base=now_base)
    if due is not None and due < now:
        state = ClockState.BREACHED
    elif at_risk_at is not None and at_risk_at <= now:
        state = ClockState.AT_RISK
    else:
        state = ClockState.RUNNING
    return ClockResult(state, target_minutes, elapsed_seconds, _moment(due), _moment(at_risk_at), None, None, paused_seconds)


def _moment(value: int | None) -> datetime | None:
    return None if value is None else from_microseconds(value)


def _status_at(segments: Sequence[Segment], moment: int) -> str:
    current = segments[0][1]
    for start, status in segments:
        if start > moment:
            break
        current = status
    return current


def _paused_since(segments: Sequence[Segment], pause_statuses: frozenset[str], moment: int) -> int:
    """The start of the run of pause statuses the clock is in at ``moment``."""
    since = segments[0][0]
    for start, status in segments:
        if start > moment:
            break
        if status in pause_statuses:
            if since < 0:
                since = start
        else:
            since = -1
    return since if since >= 0 else moment


def _reach(
    counted: Sequence[tuple[int, int, int]], amount: int, clock: BusinessClock, *, extend_from: int | None, extend_base: int
) -> int | None:
    """The instant the counted intervals add up to ``amount`` of business time; beyond them, the
    clock is supposed to run on from ``extend_from`` (whose elapsed value is ``extend_base``;
    None: it does not run on, e.g. it is paused)."""
    if amount <= 0:
        return counted[0][0] if counted else extend_from
    used = 0
    for start, base, span in counted:
        if span > 0 and used + span >= amount:
            return clock.reach(base + amount - used, after=start, after_elapsed=base)
        used += span
    if extend_from is None:
        return None
    return clock.reach(extend_base + amount - used, after=extend_from, after_elapsed=extend_base)


def response_stop(facts: TicketFacts, segments: Sequence[Segment]) -> int | None:
    """The first public reply, or the first resolution/closure/cancellation if it came first."""
    candidates = [start for start, status in segments if status in FINISHED][:1]
    if facts.first_response_at is not None:
        candidates.append(max(to_microseconds(facts.first_response_at), segments[0][0]))
    return min(candidates) if candidates else None


def resolution_stop(segments: Sequence[Segment]) -> int | None:
    """The start of the final run of resolved/closed statuses, if the ticket ends solved."""
    stop = None
    for start, status in reversed(segments):
        if status not in SOLVED:
            break
        stop = start
    return stop


SpecSource = Callable[[int], CalendarSpec | None]


def compute(facts: TicketFacts, rules: PolicyRules | None, specs: SpecSource, now: datetime) -> dict[str, Any]:
    """The TicketSla column values of one ticket at ``now``."""
    values: dict[str, Any] = {"ticket_id": facts.ticket_id, "computed_at": now}
    target = rules.target(facts.priority) if rules is not None else None
    spec = specs(rules.calendar_id(target)) if rules is not None else None
    if rules is None or spec is None:
        values.update(_clock_values("response", NO_CLOCK))
        values.update(_clock_values("resolution", NO_CLOCK))
        values.update(policy_id=rules.policy.pk if rules else None, resolution_paused_seconds=0)
        return values
    policy = rules.policy
    clock = clock_for(spec)
    memo: dict[int, int] = {}

    def elapsed_at(moment: int) -> int:
        value = memo.get(moment)
        if value is None:
            value = memo[moment] = clock.elapsed(moment)
        return value

    segments = status_segments(facts)
    now_us = to_microseconds(now)
    cancelled = facts.status == TicketStatus.CANCELLED
    response = measure_clock(
        segments,
        clock=clock,
        pause_statuses=frozenset(policy.response_pause_statuses or ()),
        stop=response_stop(facts, segments),
        now=now_us,
        target_minutes=target.response_minutes if target else None,
        at_risk_percent=policy.at_risk_percent,
        outcome=not cancelled,
        elapsed_at=elapsed_at,
    )
    resolution = measure_clock(
        segments,
        clock=clock,
        pause_statuses=frozenset(policy.resolution_pause_statuses or ()),
        stop=resolution_stop(segments),
        now=now_us,
        target_minutes=target.resolution_minutes if target else None,
        at_risk_percent=policy.at_risk_percent,
        outcome=not cancelled,
        elapsed_at=elapsed_at,
    )
    values.update(_clock_values("response", response))
    values.update(_clock_values("resolution", resolution))
    values.update(policy_id=policy.pk, resolution_paused_seconds=resolution.paused_seconds)
    return values


def _clock_values(name: str, result: ClockResult) -> dict[str, Any]:
    return {
        f"{name}_target_minutes": result.target_minutes,
        f"{name}_due_at": result.due_at,
        f"{name}_elapsed_seconds": result.elapsed_seconds,
        f"{name}_state": str(result.state),
        f"{name}_met": result.met,
        f"{name}_at_risk_at": result.at_risk_at,
        f"{name}_paused_since": result.paused_since,
    }


def status_changes(ticket_ids: Sequence[int]) -> dict[int, list[tuple[datetime, str | None, str | None]]]:
    """The status events of these tickets, in time order (only the old and new statuses are read)."""
    changes: dict[int, list[tuple[datetime, str | None, str | None]]] = {pk: [] for pk in ticket_ids}
    rows = (
        TicketEvent.objects.filter(ticket_id__in=list(ticket_ids), kind=EventKind.STATUS)
        .annotate(old_status=KT("data__old"), new_status=KT("data__new"))
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "at", "old_status", "new_status")
    )
    for ticket_id, at, old, new in rows:
        changes[ticket_id].append((at, old, new))
    return changes


TICKET_COLUMNS = (
    "pk",
    "organization_id",
    "type",
    "category_id",
    "priority",
    "status",
    "created_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
)


def load_facts(ticket_ids: Sequence[int]) -> list[TicketFacts]:
    """The facts of these tickets as stored (two queries), whatever copies callers hold."""
    return _facts_of_rows(list(Ticket.objects.filter(pk__in=list(ticket_ids)).order_by("pk").values_list(*TICKET_COLUMNS)))


def _facts_of_rows(rows: Sequence[tuple[Any, ...]]) -> list[TicketFacts]:
    changes = status_changes([row[0] for row in rows])
    return [
        TicketFacts(
            ticket_id=pk,
            organization_id=organization_id,
            type=ticket_type,
            category_id=category_id,
            priority=int(priority),
            status=status,
            created_at=created,
            first_response_at=responded,
            resolved_at=resolved,
            closed_at=closed,
            changes=tuple(changes.get(pk, ())),
        )
        for pk, organization_id, ticket_type, category_id, priority, status, created, responded, resolved, closed in rows
    ]


def facts_for(ticket: Ticket) -> TicketFacts:
    return load_facts([ticket.pk])[0]


def _row_values(values: dict[str, Any]) -> dict[str, Any]:
    """Values keyed by attribute name (``policy`` → ``policy_id``)."""
    return {("policy_id" if key == "policy" else key): value for key, value in values.items()}


def refresh(ticket: Ticket, *, now: datetime | None = None) -> TicketSla | None:
    """Recompute and store the clocks of ``ticket`` (called inside the service's transaction).

    Returns the stored clocks; an imported row is returned untouched."""
    if ticket.pk is None:
        return None
    now = now or timezone.now()
    facts = facts_for(ticket)
    rules = _rules_for(facts)
    calendars: dict[int, CalendarSpec] = {}

    def specs(calendar_id: int) -> CalendarSpec | None:
        if calendar_id not in calendars:
            calendars.update(load_specs([calendar_id]))
        return calendars.get(calendar_id)

    values = compute(facts, rules, specs, now)
    if not upsert([values]):
        return TicketSla.objects.filter(pk=ticket.pk).first()
    sla = TicketSla(**_row_values(values))
    sla._state.adding = False
    sla._state.db = connection.alias
    return sla


def _rules_for(facts: TicketFacts) -> PolicyRules | None:
    rules = load_rules([facts.organization_id]).get(facts.organization_id, [])
    if not rules:
        return None
    parents = category_parents() if facts.category_id is not None else {}
    return match(rules, ticket_type=facts.type, categories=category_chain(facts.category_id, parents))


@dataclass
class RecomputeSummary:
    tickets: int = 0
    written: int = 0
    seconds: float = 0.0


class _Run:
    """What one bulk run loads once: policies by client, the category tree, calendar specs."""

    def __init__(self) -> None:
        self.rules: dict[int, list[PolicyRules]] = {}
        self.loaded_organizations: set[int] = set()
        self.specs: dict[int, CalendarSpec] = {}
        self.parents: dict[int, int | None] | None = None

    def prepare(self, organization_ids: set[int]) -> None:
        missing = organization_ids - self.loaded_organizations
        if missing:
            self.rules.update(load_rules(missing))
            self.loaded_organizations |= missing
            calendar_ids = {
                rules.calendar_id(target)
                for organization in missing
                for rules in self.rules.get(organization, [])
                for target in [None, *rules.targets.values()]
            }
            self.specs.update(load_specs(calendar_ids - set(self.specs)))
        if self.parents is None:
            self.parents = category_parents()

    def rules_for(self, facts: TicketFacts) -> PolicyRules | None:
        candidates = self.rules.get(facts.organization_id)
        if not candidates:
            return None
        chain = category_chain(facts.category_id, self.parents or {})
        return match(candidates, ticket_type=facts.type, categories=chain)


def _fact_chunks(tickets: models.QuerySet[Ticket] | Iterable[Ticket | int], size: int) -> Iterator[list[TicketFacts]]:
    """The facts of the tickets, ``size`` at a time (a queryset is walked by primary key)."""
    if isinstance(tickets, models.QuerySet):
        ordered = tickets.order_by("pk")
        last = 0
        while True:
            rows = list(ordered.filter(pk__gt=last).values_list(*TICKET_COLUMNS)[:size])
            if not rows:
                return
            yield _facts_of_rows(rows)
            last = rows[-1][0]
    else:
        ids = sorted({item if isinstance(item, int) else item.pk for item in tickets})
        for offset in range(0, len(ids), size):
            yield load_facts(ids[offset : offset + size])


def recompute(
    tickets: models.QuerySet[Ticket] | Iterable[Ticket | int],
    *,
    now: datetime | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> RecomputeSummary:
    """Recompute the clocks of many tickets (a queryset, tickets or ids), chunk by chunk."""
    started = monotonic_time.perf_counter()
    now = now or timezone.now()
    run = _Run()
    summary = RecomputeSummary()
    chunks = _fact_chunks(tickets, chunk_size)
    while True:
        read_at = timezone.now()
        facts = next(chunks, None)
        if facts is None:
            break
        run.prepare({fact.organization_id for fact in facts})
        computed = [compute(fact, run.rules_for(fact), run.specs.get, now) for fact in facts]
        summary.tickets += len(computed)
        summary.written += upsert(computed, newer_than_guard=max(read_at, now))
    summary.seconds = monotonic_time.perf_counter() - started
    return summary


def recompute_open(now: datetime | None = None) -> int:
    """Recompute every open ticket (the worker's hourly pass, the benchmark); returns how many."""
    return recompute(Ticket.objects.open(), now=now).tickets


def recompute_for_organizations(organization_ids: Iterable[int], *, now: datetime | None = None) -> int:
    ids = list(set(organization_ids))
    if not ids:
        return 0
    return recompute(Ticket.objects.open().filter(organization_id__in=ids), now=now).tickets


def recompute_for_policy(policy: SlaPolicy, *, now: datetime | None = None) -> int:
    """After a policy, its targets or its escalations changed (or it was deleted): the open
    tickets of its client, since which policy matches them may have changed too."""
    return recompute_for_organizations([policy.organization_id], now=now)


def recompute_for_calendar(calendar: BusinessCalendar, *, now: datetime | None = None) -> int:
    """After a calendar, its ranges or its closures changed: the open tickets of every client
    with a policy or a target on it."""
    organizations = SlaPolicy.objects.filter(Q(calendar=calendar) | Q(targets__calendar=calendar)).values_list(
        "organization_id", flat=True
    )
    return recompute_for_organizations(set(organizations), now=now)


def advance_states(now: datetime | None = None) -> int:
    """Flip running clocks whose stored moments have passed: running → at risk once the at-risk
    moment is reached, running/at risk → breached once the due moment is passed. Plain UPDATEs:
    a running clock's moments stay exact until the ticket changes (which refreshes it) or its
    calendar does (which recomputes it). Returns how many clocks changed state."""
    now = now or timezone.now()
    rows = TicketSla.objects.filter(imported=False)
    changed = 0
    for clock in ("response", "resolution"):
        changed += rows.filter(
            **{
                f"{clock}_state__in": [ClockState.RUNNING, ClockState.AT_RISK],
                f"{clock}_due_at__lt": now,
                f"{clock}_paused_since__isnull": True,
            }
        ).update(**{f"{clock}_state": ClockState.BREACHED})
        changed += rows.filter(**{f"{clock}_state": ClockState.RUNNING, f"{clock}_at_risk_at__lte": now}).update(
            **{f"{clock}_state": ClockState.AT_RISK}
        )
    return changed
