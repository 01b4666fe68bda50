"""Every write on problems goes through these functions: the staff pages, the API, the demo and
the tests call the same code. Each checks who acts, validates (``ValidationError`` naming the
field), runs in one transaction with the actor in the audit trail, and writes the timeline.

The lifecycle (root cause, known error, resolution, closing) is in ``vigie.problems.lifecycle``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.core.audit import acting_as
from vigie.problems import numbering, permissions
from vigie.problems.delivery import deliver_workaround
from vigie.problems.models import (
    LINKABLE_STATUSES,
    KnownErrorStatus,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemIncident,
    ProblemStatus,
)
from vigie.servicedesk import workflow
from vigie.servicedesk.models import Category, Level, Ticket, TicketType
from vigie.tenancy.models import Organization, OrganizationKind, TechnicianGroup

EDITABLE_FIELDS = ("title", "description", "impact", "urgency", "category", "manager", "group", "services")


def refused() -> str:
    return _("Only problem managers and administrators serving this client can do this.")


def require_manager(by: User, organization_id: int) -> None:
    if not permissions.can_manage(by, organization_id):
        raise PermissionDenied(refused())


def event(problem: Problem, kind: str, by: User | None, *, at: datetime | None = None, **data: Any) -> ProblemEvent:
    return ProblemEvent.objects.create(problem=problem, kind=kind, actor=by, at=at or timezone.now(), data=data)


def _display(value: Any) -> Any:
    if isinstance(value, list):
        return [str(item) for item in value]
    return str(value) if hasattr(value, "pk") else value


def _check_fields(organization: Organization, values: dict[str, Any]) -> dict[str, Any]:
    """Clean the descriptive fields of a problem; raise every error at once, by field."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if "title" in values:
        title = str(values["title"] or "").strip()
        cleaned["title"] = title
        if not title:
            add("title", _("A title is required."))
        elif len(title) > 200:
            add("title", _("200 characters at most."))
    if "description" in values:
        cleaned["description"] = str(values["description"] or "").strip()
    for name in ("impact", "urgency"):
        if name in values and values[name] not in Level.values:
            add(name, _("Choose high, medium or low."))
    category: Category | None = values.get("category")
    if category is not None and not category.is_active:
        add("category", _("This category is no longer in use."))
    manager: User | None = values.get("manager")
    if manager is not None and not permissions.can_manage(manager, organization.pk):
        add(
            "manager", _("%(user)s is not a problem manager serving %(client)s.") % {"user": manager, "client": organization.name}
        )
    group: TechnicianGroup | None = values.get("group")
    if group is not None and not group.clients.filter(pk=organization.pk).exists():
        add("group", _("The group %(group)s does not serve %(client)s.") % {"group": group.name, "client": organization.name})
    if "services" in values:
        chosen = list(values["services"] or [])
        if any(service.organization_id != organization.pk for service in chosen):
            add("services", _("A problem can only affect the business services of its own client."))
        cleaned["services"] = chosen
    if errors:
        raise ValidationError(errors)
    return cleaned


def check_incidents(organization: Organization, incidents: Iterable[Ticket], *, by: User) -> list[Ticket]:
    """Incidents of this client that ``by`` serves; anything else is an error on ``incidents``."""
    tickets = list(dict.fromkeys(incidents))
    errors = []
    for ticket in tickets:
        if ticket.organization_id != organization.pk or not permissions.serves(by, ticket.organization_id):
            errors.append(
                _("%(reference)s belongs to another client: a problem only groups incidents of %(client)s.")
                % {"reference": ticket.reference, "client": organization.name}
            )
        elif ticket.type != TicketType.INCIDENT:
            errors.append(
                _("%(reference)s is a service request; only incidents can be linked to a problem.")
                % {"reference": ticket.reference}
            )
    if errors:
        raise ValidationError({"incidents": errors})
    return tickets


def create_problem(
    *,
    by: User,
    organization: Organization,
    title: str,
    description: str = "",
    impact: int = Level.MEDIUM,
    urgency: int = Level.MEDIUM,
    category: Category | None = None,
    manager: User | None = None,
    group: TechnicianGroup | None = None,
    services: Sequence[BusinessService] = (),
    incidents: Iterable[Ticket] = (),
) -> Problem:
    """Open a problem for a client, optionally with the incidents it explains."""
    if organization.kind != OrganizationKind.CLIENT:
        raise ValidationError({"organization": _("Problems belong to a client company.")})
    require_manager(by, organization.pk)
    values = {
        "title": title,
        "description": description,
        "impact": impact,
        "urgency": urgency,
        "category": category,
        "manager": manager,
        "group": group,
        "services": services,
    }
    cleaned = _check_fields(organization, values)
    tickets = check_incidents(organization, incidents, by=by)
    chosen_services = cleaned.pop("services")
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        number = numbering.next_number()
        problem = Problem.objects.create(
            organization=organization,
            number=number,
            reference=numbering.reference_for(number),
            priority=workflow.priority_for(cleaned["impact"], cleaned["urgency"]),
            **cleaned,
        )
        if chosen_services:
            problem.services.set(chosen_services)
        event(problem, ProblemEventKind.CREATED, by, at=now)
        if tickets:
            _link(problem, tickets, by=by, at=now)
    return problem


def create_problem_from_incidents(*, by: User, incidents: Iterable[Ticket], title: str = "", **fields: Any) -> Problem:
    """ "Create a problem from these incidents": their client, and by default the title, category
    and the highest impact and urgency of the first one(s)."""
    tickets = list(dict.fromkeys(incidents))
    if not tickets:
        raise ValidationError({"incidents": _("Choose at least one incident.")})
    organization = tickets[0].organization
    fields.setdefault("category", tickets[0].category)
    fields.setdefault("impact", min(ticket.impact for ticket in tickets))
    fields.setdefault("urgency", min(ticket.urgency for ticket in tickets))
    if not fields.get("description"):
        lines = [f"- {ticket.reference} {ticket.title}" for ticket in tickets]
        fields["description"] = _("Incidents at the origin of this problem:") + "\n" + "\n".join(lines)
    return create_problem(by=by, organization=organization, title=title or tickets[0].title, incidents=tickets, **fields)


def update_problem(problem: Problem, *, by: User, **changes: Any) -> Problem:
    """Change descriptive fields (title, description, impact, urgency, category, manager, group,
    affected services); the priority follows the impact × urgency matrix."""
    require_manager(by, problem.organization_id)
    if "organization" in changes and getattr(changes["organization"], "pk", None) != problem.organization_id:
        raise ValidationError({"organization": _("A problem cannot move to another client.")})
    changes.pop("organization", None)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    if problem.status in (ProblemStatus.CLOSED, ProblemStatus.CANCELLED):
        raise ValidationError({"status": _("A closed or cancelled problem cannot change.")})
    cleaned = _check_fields(problem.organization, changes)
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        problem = Problem.objects.select_for_update().get(pk=problem.pk)
        if "services" in cleaned:
            wanted = cleaned.pop("services")
            before = sorted(str(s) for s in problem.services.all())
            after = sorted(str(s) for s in wanted)
            if before != after:
                problem.services.set(wanted)
                event(problem, ProblemEventKind.FIELD, by, at=now, field="services", old=before, new=after)
        changed = False
        for name, value in cleaned.items():
            old = getattr(problem, name)
            if old == value:
                continue
            setattr(problem, name, value)
            changed = True
            event(problem, ProblemEventKind.FIELD, by, at=now, field=name, old=_display(old), new=_display(value))
        if changed:
            problem.priority = workflow.priority_for(problem.impact, problem.urgency)
            problem.save()
    return problem


def _link(problem: Problem, tickets: list[Ticket], *, by: User, at: datetime) -> list[Ticket]:
    """Link the incidents not linked yet; an active known error sends them its workaround."""
    already = set(ProblemIncident.objects.filter(problem=problem, ticket__in=tickets).values_list("ticket_id", flat=True))
    new = [ticket for ticket in tickets if ticket.pk not in already]
    if not new:
        return []
    for ticket in new:  # one by one, so that each link lands in the audit trail
        ProblemIncident.objects.create(problem=problem, ticket=ticket, linked_at=at, linked_by=by)
    event(problem, ProblemEventKind.LINKED, by, at=at, incidents=[ticket.reference for ticket in new])
    known_error = getattr(problem, "known_error", None)
    if known_error is not None and known_error.status == KnownErrorStatus.ACTIVE:
        deliver_workaround(problem, known_error, new, by=by)
    return new


def link_incidents(problem: Problem, *, by: User, incidents: Iterable[Ticket]) -> list[Ticket]:
    """Link incidents of the problem's client; returns those newly linked. Technicians may do it."""
    if not permissions.can_link(by, problem.organization_id):
        raise PermissionDenied(_("Only the provider's staff serving this client can link incidents."))
    tickets = check_incidents(problem.organization, incidents, by=by)
    if not tickets:
        raise ValidationError({"incidents": _("Choose at least one incident.")})
    if problem.status not in LINKABLE_STATUSES:
        raise ValidationError({"incidents": _("Incidents cannot be linked to a closed or cancelled problem.")})
    with transaction.atomic(), acting_as(by):
        problem = Problem.objects.select_for_update().get(pk=problem.pk)
        return _link(problem, tickets, by=by, at=timezone.now())


def unlink_incident(problem: Problem, *, by: User, incident: Ticket) -> None:
    """Remove an incident linked by mistake (the workaround it received stays on its timeline)."""
    if not permissions.can_link(by, problem.organization_id):
        raise PermissionDenied(_("Only the provider's staff serving this client can unlink incidents."))
    if problem.status in (ProblemStatus.CLOSED, ProblemStatus.CANCELLED):
        raise ValidationError({"incidents": _("A closed or cancelled problem cannot change.")})
    with transaction.atomic(), acting_as(by):
        problem = Problem.objects.select_for_update().get(pk=problem.pk)
        deleted, _details = ProblemIncident.objects.filter(problem=problem, ticket=incident).delete()
        if not deleted:
            raise ValidationError(
                {"incidents": _("%(reference)s is not linked to this problem.") % {"reference": incident.reference}}
            )
        event(problem, ProblemEventKind.UNLINKED, by, incidents=[incident.reference])
