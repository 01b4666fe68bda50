"""Helpers shared by the problem pages: which problem, which clients, the detail page's context."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from vigie.accounts.models import User
from vigie.problems import lifecycle, permissions
from vigie.problems.forms import KnownErrorForm, LinkForm, ProblemForm, ResolveForm, RootCauseForm
from vigie.problems.models import Problem, ProblemStatus
from vigie.servicedesk.views.common import current_user
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization


def visible_problem(request: HttpRequest, reference: str) -> Problem:
    """The problem if this user may see it; 404 otherwise, whoever owns it."""
    problems = Problem.objects.visible_to(request.user).select_related(
        "organization", "manager", "group", "category", "known_error", "known_error__published_by", "resolving_change"
    )
    return get_object_or_404(problems, reference=reference.upper())


def served_clients(user: User) -> QuerySet[Organization]:
    access = access_for(user)
    clients = Organization.objects.clients()
    return (clients if access.is_superuser else clients.filter(pk__in=access.company_wide_client_ids)).order_by("name")


def managed_clients(user: User) -> list[Organization]:
    return [org for org in served_clients(user) if permissions.can_manage(user, org.pk)]


# The buttons offered per status, as (action, label) in ``detail_context``.
def status_actions(problem: Problem) -> list[str]:
    actions = []
    if lifecycle.can_transition(problem.status, ProblemStatus.INVESTIGATING) and problem.status == ProblemStatus.NEW:
        actions.append("investigate")
    if problem.status == ProblemStatus.RESOLVED:
        actions += ["close", "reopen"]
    if lifecycle.can_transition(problem.status, ProblemStatus.CANCELLED):
        actions.append("cancel")
    return actions


def detail_context(request: HttpRequest, problem: Problem, **bound: forms.Form) -> dict[str, Any]:
    user = current_user(request)
    links = list(
        problem.links.select_related("ticket", "ticket__assignee", "ticket__requester", "linked_by").order_by(
            "ticket__created_at", "ticket__pk"
        )
    )
    delivered = set(problem.deliveries.values_list("ticket_id", flat=True))
    known_error = getattr(problem, "known_error", None)
    can_manage = permissions.can_manage(user, problem.organization_id)
    status = problem.status
    context: dict[str, Any] = {
        "problem": problem,
        "links": links,
        "delivered": delivered,
        "known_error": known_error,
        "services": list(problem.services.all()),
        "events": list(problem.events.select_related("actor").order_by("-at", "-id")),
        "can_manage": can_manage,
        "can_link": permissions.can_link(user, problem.organization_id) and status not in ("closed", "cancelled"),
        "status_actions": status_actions(problem) if can_manage else [],
        "can_record_root_cause": can_manage and status in ("new", "investigating", "root_cause_known", "known_error"),
        "can_publish": can_manage and status in ("root_cause_known", "known_error"),
        "can_resolve": can_manage and lifecycle.can_transition(status, ProblemStatus.RESOLVED),
        "can_edit": can_manage and status not in ("closed", "cancelled"),
        "open_incident_count": sum(1 for link in links if link.ticket.is_open),
        "edit_form": ProblemForm(
            organization=problem.organization,
            user=user,
            with_incidents=False,
            initial={
                "title": problem.title,
                "description": problem.description,
                "impact": problem.impact,
                "urgency": problem.urgency,
                "category": problem.category_id,
                "manager": problem.manager_id,
                "group": problem.group_id,
                "services": [s.pk for s in problem.services.all()],
            },
        ),
        "link_form": LinkForm(user=user),
        "root_cause_form": RootCauseForm(initial={"root_cause": problem.root_cause, "workaround": problem.workaround}),
        "known_error_form": KnownErrorForm(
            initial={
                "title": known_error.title if known_error else "",
                "symptoms": known_error.symptoms if known_error else "",
                "workaround": known_error.workaround if known_error else problem.workaround,
                "notify_requesters": known_error.notify_requesters if known_error else False,
            }
        ),
        "resolve_form": ResolveForm(problem=problem, user=user),
    }
    context.update(bound)
    return context
