"""The ticket status workflow and the impact × urgency → priority matrix."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vigie.servicedesk.models import Level, Priority, PriorityMatrixCell, TicketStatus

S = TicketStatus
WORKING = frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY})

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.NEW, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ASSIGNED, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED, S.CANCELLED}),
    S.WAITING_CUSTOMER: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_THIRD_PARTY, S.RESOLVED, S.CANCELLED}),
    S.WAITING_THIRD_PARTY: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.RESOLVED, S.CANCELLED}),
    # Reopening a resolved or closed ticket puts it back in progress.
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset({S.IN_PROGRESS}),
    S.CANCELLED: frozenset(),
}

DEFAULT_MATRIX: dict[tuple[int, int], int] = {
    (Level.HIGH, Level.HIGH): Priority.P1,
    (Level.HIGH, Level.MEDIUM): Priority.P2,
    (Level.HIGH, Level.LOW): Priority.P3,
    (Level.MEDIUM, Level.HIGH): Priority.P2,
    (Level.MEDIUM, Level.MEDIUM): Priority.P3,
    (Level.MEDIUM, Level.LOW): Priority.P4,
    (Level.LOW, Level.HIGH): Priority.P3,
    (Level.LOW, Level.MEDIUM): Priority.P4,
    (Level.LOW, Level.LOW): Priority.P5,
}


class TransitionError(ValueError):
    """A status change the workflow does not allow."""


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())


def allowed_targets(current: str) -> list[str]:
    return [status for status in TicketStatus.values if status in ALLOWED_TRANSITIONS.get(current, frozenset())]


def check_transition(current: str, target: str) -> None:
    if not can_transition(current, target):
        raise TransitionError(
            _("A ticket cannot go from “%(current)s” to “%(target)s”.")
            % {"current": TicketStatus(current).label, "target": TicketStatus(target).label}
        )


def priority_for(impact: int, urgency: int) -> int:
    """The matrix as configured (PriorityMatrixCell), falling back to the 3×3 default."""
    cell = PriorityMatrixCell.objects.filter(impact=impact, urgency=urgency).values_list("priority", flat=True).first()
    if cell is not None:
        return int(cell)
    return int(DEFAULT_MATRIX[(Level(impact), Level(urgency))])


def matrix() -> dict[tuple[int, int], int]:
    configured = {(c.impact, c.urgency): c.priority for c in PriorityMatrixCell.objects.all()}
    return {key: configured.get(key, int(value)) for key, value in DEFAULT_MATRIX.items()}
