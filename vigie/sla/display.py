"""How clocks read on pages: the ticket's clocks as rows, due dates relative to now, durations.

Nothing here computes business time: the engine stores elapsed time and due dates on
``TicketSla``; this module only words them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigie.servicedesk.models import Ticket
from vigie.sla.models import ClockKind, ClockState, OpeningRange, SlaPolicy, SlaTarget, TicketSla
from vigie.sla.validation import RangeSpec, duration_label, range_label

# States in which a clock still runs toward its due date.
RUNNING_STATES = frozenset({ClockState.RUNNING, ClockState.AT_RISK, ClockState.BREACHED})
# States worth a badge in a list (a merely running clock shows its due date only).
ALERT_STATES = frozenset({ClockState.AT_RISK, ClockState.BREACHED, ClockState.PAUSED})


def sla_of(ticket: Ticket) -> TicketSla | None:
    """The ticket's clocks, or None before the engine computed any (no query when the list
    selected them with ``select_related("sla")``)."""
    try:
        return ticket.sla
    except ObjectDoesNotExist:
        return None


def state_label(state: str) -> str:
    try:
        return str(ClockState(state).label)
    except ValueError:
        return state


def compact_duration(seconds: float) -> str:
    """A calendar duration, as short as a table cell wants it: 5 min, 2 h 15, 3 days."""
    minutes = max(1, int(abs(seconds)) // 60)
    if minutes < 24 * 60:
        return duration_label(minutes)
    days = minutes // (24 * 60)
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def relative_due(due: datetime, now: datetime | None = None) -> str:
    """“in 2 h” before the due date, “overdue by 3 h” after it."""
    delta = (due - (now or timezone.now())).total_seconds()
    if delta >= 0:
        return _("in %(duration)s") % {"duration": compact_duration(delta)}
    return _("overdue by %(duration)s") % {"duration": compact_duration(delta)}


def business_duration(seconds: int | None) -> str:
    """Business time used: minutes are enough (a business day is not 24 hours)."""
    return duration_label(int(seconds or 0) // 60)


@dataclass(frozen=True)
class ClockView:
    """One clock of a ticket as the ticket page shows it."""

    kind: str
    label: str
    state: str
    target_minutes: int | None
    due_at: datetime | None
    elapsed_seconds: int
    met: bool | None
    paused_seconds: int | None = None

    @property
    def target(self) -> str:
        return duration_label(self.target_minutes) if self.target_minutes else ""

    @property
    def elapsed(self) -> str:
        return business_duration(self.elapsed_seconds)

    @property
    def paused(self) -> str:
        return business_duration(self.paused_seconds) if self.paused_seconds else ""

    @property
    def used_percent(self) -> int | None:
        if not self.target_minutes:
            return None
        return round(100 * self.elapsed_seconds / (self.target_minutes * 60))

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING_STATES

    @property
    def has_target(self) -> bool:
        return self.state != ClockState.NONE and bool(self.target_minutes)


@dataclass(frozen=True)
class TicketClocks:
    policy: SlaPolicy | None
    clocks: list[ClockView]
    computed_at: datetime | None
    imported: bool


def clocks_of(ticket: Ticket) -> TicketClocks | None:
    sla = sla_of(ticket)
    if sla is None:
        return None
    return TicketClocks(
        policy=sla.policy,
        computed_at=sla.computed_at,
        imported=sla.imported,
        clocks=[
            ClockView(
                kind=ClockKind.RESPONSE,
                label=str(ClockKind.RESPONSE.label),
                state=sla.response_state,
                target_minutes=sla.response_target_minutes,
                due_at=sla.response_due_at,
                elapsed_seconds=sla.response_elapsed_seconds,
                met=sla.response_met,
            ),
            ClockView(
                kind=ClockKind.RESOLUTION,
                label=str(ClockKind.RESOLUTION.label),
                state=sla.resolution_state,
                target_minutes=sla.resolution_target_minutes,
                due_at=sla.resolution_due_at,
                elapsed_seconds=sla.resolution_elapsed_seconds,
                met=sla.resolution_met,
                paused_seconds=sla.resolution_paused_seconds,
            ),
        ],
    )


def hours_summary(ranges: list[OpeningRange]) -> str:
    """Opening hours in one line: “Mon–Fri 09:00–12:00, 14:00–18:00 · Sat 09:00–12:00”."""
    by_day: dict[int, tuple[str, ...]] = {}
    for opening in sorted(ranges, key=lambda r: (r.weekday, r.start)):
        label = range_label(RangeSpec(opening.weekday, opening.start, opening.end))
        by_day[opening.weekday] = (*by_day.get(opening.weekday, ()), label)
    groups: list[tuple[int, int, tuple[str, ...]]] = []
    for day in sorted(by_day):
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == by_day[day]:
            groups[-1] = (groups[-1][0], day, by_day[day])
        else:
            groups.append((day, day, by_day[day]))
    parts = []
    for first, last, labels in groups:
        days = str(WEEKDAYS_ABBR[first]) if first == last else f"{WEEKDAYS_ABBR[first]}–{WEEKDAYS_ABBR[last]}"
        parts.append(f"{days} {', '.join(labels)}")
    return " · ".join(parts)


def targets_summary(targets: list[SlaTarget]) -> list[str]:
    """“P1 0:15 / 4 h” per target: response / resolution (— where there is none)."""
    lines = []
    for target in sorted(targets, key=lambda t: t.priority):
        response = duration_label(target.response_minutes) if target.response_minutes else "—"
        resolution = duration_label(target.resolution_minutes) if target.resolution_minutes else "—"
        lines.append(f"P{target.priority} {response} / {resolution}")
    return lines
