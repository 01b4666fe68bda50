"""A problem's lifecycle: new → under investigation → root cause known → known error → resolved →
closed (or cancelled before a known error exists). Problem managers and administrators only.

Publishing a known error sends its workaround to every open linked incident (once each);
resolving the problem can resolve its open incidents with a resolution text, and names the
change that fixed it when there is one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.changes.models import Change
from vigie.core.audit import acting_as
from vigie.problems.delivery import deliver_workaround
from vigie.problems.models import KnownError, KnownErrorStatus, Problem, ProblemEventKind, ProblemStatus
from vigie.problems.services import event, require_manager
from vigie.servicedesk import services as ticket_services
from vigie.servicedesk.models import OPEN_STATUSES, Ticket

S = ProblemStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.INVESTIGATING, S.ROOT_CAUSE_KNOWN, S.RESOLVED, S.CANCELLED}),
    S.INVESTIGATING: frozenset({S.ROOT_CAUSE_KNOWN, S.RESOLVED, S.CANCELLED}),
    S.ROOT_CAUSE_KNOWN: frozenset({S.INVESTIGATING, S.KNOWN_ERROR, S.RESOLVED, S.CANCELLED}),
    S.KNOWN_ERROR: frozenset({S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.INVESTIGATING, S.ROOT_CAUSE_KNOWN, S.KNOWN_ERROR}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str) -> None:
    if not can_transition(current, target):
        raise ValidationError(
            {
                "status": _("A problem cannot go from “%(current)s” to “%(target)s”.")
                % {"current": ProblemStatus(current).label, "target": ProblemStatus(target).label}
            }
        )


def _lock(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().select_related("organization").get(pk=problem.pk)


def _move(problem: Problem, target: str, by: User, *, at: datetime, **data: Any) -> None:
    """Move the status and write the timeline; the caller saves."""
    check_transition(problem.status, target)
    event(problem, ProblemEventKind.STATUS, by, at=at, old=problem.status, new=target, **data)
    problem.status = target


def start_investigation(problem: Problem, *, by: User) -> Problem:
    require_manager(by, problem.organization_id)
    with transaction.atomic(), acting_as(by):
        problem = _lock(problem)
        _move(problem, S.INVESTIGATING, by, at=timezone.now())
        problem.save()
    return problem


def record_root_cause(problem: Problem, *, by: User, root_cause: str, workaround: str | None = None) -> Problem:
    """Record (or correct) the root cause, and the workaround if one is known yet."""
    require_manager(by, problem.organization_id)
    root_cause = (root_cause or "").strip()
    if not root_cause:
        raise ValidationError({"root_cause": _("Describe the root cause.")})
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        problem = _lock(problem)
        if problem.status not in (S.NEW, S.INVESTIGATING, S.ROOT_CAUSE_KNOWN, S.KNOWN_ERROR):
            raise ValidationError({"root_cause": _("The root cause of a resolved, closed or cancelled problem cannot change.")})
        if problem.status in (S.NEW, S.INVESTIGATING):
            _move(problem, S.ROOT_CAUSE_KNOWN, by, at=now)
        problem.root_cause = root_cause
        problem.root_cause_at = problem.root_cause_at or now
        if workaround is not None:
            problem.workaround = workaround.strip()
        event(problem, ProblemEventKind.ROOT_CAUSE, by, at=now, root_cause=root_cause, workaround=problem.workaround)
        problem.save()
    return problem


def _open_incidents(problem: Problem) -> list[Ticket]:
    return list(problem.incidents.filter(status__in=OPEN_STATUSES).select_related("organization").order_by("pk"))


def publish_known_error(
    problem: Problem,
    *,
    by: User,
    workaround: str,
    symptoms: str,
    title: str = "",
    notify_requesters: bool = False,
) -> KnownError:
    """Publish (or update) the known error of a problem whose root cause is known, and send its
    workaround to every open linked incident that has not received it."""
    require_manager(by, problem.organization_id)
    errors: dict[str, str] = {}
    workaround, symptoms, title = (workaround or "").strip(), (symptoms or "").strip(), (title or "").strip()
    if not workaround:
        errors["workaround"] = _("Describe the workaround.")
    if not symptoms:
        errors["symptoms"] = _("Describe the symptoms, so that technicians recognise the error.")
    if len(title) > 200:
        errors["title"] = _("200 characters at most.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        problem = _lock(problem)
        if problem.status not in (S.ROOT_CAUSE_KNOWN, S.KNOWN_ERROR) or not problem.root_cause:
            raise ValidationError({"status": _("Record the root cause before publishing a known error.")})
        if problem.status == S.ROOT_CAUSE_KNOWN:
            _move(problem, S.KNOWN_ERROR, by, at=now)
        problem.workaround = workaround
        problem.save()
        known_error, created = KnownError.objects.update_or_create(
            problem=problem,
            defaults={
                "organization_id": problem.organization_id,
                "title": title or problem.title,
                "symptoms": symptoms,
                "workaround": workaround,
                "status": KnownErrorStatus.ACTIVE,
                "notify_requesters": notify_requesters,
                "published_by": by,
                "published_at": now,
            },
        )
        event(problem, ProblemEventKind.KNOWN_ERROR, by, at=now, updated=not created, notify_requesters=notify_requesters)
        deliver_workaround(problem, known_error, _open_incidents(problem), by=by)
    return known_error


def resolve_problem(
    problem: Problem,
    *,
    by: User,
    resolution: str,
    resolve_incidents: bool = False,
    incident_resolution: str = "",
    change: Change | None = None,
) -> Problem:
    """Resolve the problem (its fix is in place); optionally resolve its open incidents with
    ``incident_resolution`` (the problem's resolution when empty)."""
    require_manager(by, problem.organization_id)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the problem was resolved.")})
    if change is not None and change.organization_id != problem.organization_id:
        raise ValidationError({"change": _("The change belongs to another client.")})
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        problem = _lock(problem)
        _move(problem, S.RESOLVED, by, at=now)
        problem.resolution = resolution
        problem.resolved_at = now
        if change is not None:
            problem.resolving_change = change
        problem.save()
        KnownError.objects.filter(problem=problem, status=KnownErrorStatus.ACTIVE).update(
            status=KnownErrorStatus.FIXED, updated_at=now
        )
        resolved: list[str] = []
        if resolve_incidents:
            text = (incident_resolution or "").strip() or resolution
            for ticket in _open_incidents(problem):
                ticket_services.resolve_ticket(ticket, by=by, resolution=text)
                resolved.append(ticket.reference)
        event(
            problem,
            ProblemEventKind.RESOLVED,
            by,
            at=now,
            resolution=resolution,
            resolved_incidents=resolved,
            change=change.reference if change is not None else None,
        )
    return problem


def close_problem(problem: Problem, *, by: User) -> Problem:
    require_manager(by, problem.organization_id)
    with transaction.atomic(), acting_as(by):
        problem = _lock(problem)
        now = timezone.now()
        _move(problem, S.CLOSED, by, at=now)
        problem.closed_at = now
        problem.save()
    return problem


def cancel_problem(problem: Problem, *, by: User, reason: str = "") -> Problem:
    """Cancel a problem opened by mistake (a published known error cannot be cancelled)."""
    require_manager(by, problem.organization_id)
    with transaction.atomic(), acting_as(by):
        problem = _lock(problem)
        now = timezone.now()
        _move(problem, S.CANCELLED, by, at=now, reason=(reason or "").strip())
        problem.closed_at = now
        problem.save()
    return problem


def reopen_problem(problem: Problem, *, by: User) -> Problem:
    """A resolved problem whose fix did not hold goes back to where its analysis stood."""
    require_manager(by, problem.organization_id)
    with transaction.atomic(), acting_as(by):
        problem = _lock(problem)
        if problem.status != S.RESOLVED:
            raise ValidationError({"status": _("Only a resolved problem can be reopened.")})
        known_error = KnownError.objects.filter(problem=problem).first()
        target = S.KNOWN_ERROR if known_error else S.ROOT_CAUSE_KNOWN if problem.root_cause else S.INVESTIGATING
        _move(problem, target, by, at=timezone.now(), reopened=True)
        problem.resolved_at = None
        problem.save()
        if known_error is not None:
            KnownError.objects.filter(pk=known_error.pk).update(status=KnownErrorStatus.ACTIVE)
    return problem


STATUS_ACTIONS = {
    "investigate": start_investigation,
    "close": close_problem,
    "cancel": cancel_problem,
    "reopen": reopen_problem,
}
