"""The actions of a problem page, each a small POST view: validate a form, call a service, then
redirect with a message; a refused action shows the page again with the form's errors (422).
Also the ticket side: link an incident to a problem, or several picked incidents at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigie.problems import lifecycle, services
from vigie.problems.forms import (
    KnownErrorForm,
    LinkForm,
    ProblemForm,
    ResolveForm,
    RootCauseForm,
    StatusActionForm,
    UnlinkForm,
    parse_references,
    resolve_incidents,
)
from vigie.problems.models import Problem
from vigie.problems.views.common import detail_context, visible_problem
from vigie.servicedesk.forms import SERVICE_ERRORS, add_service_error, error_messages
from vigie.servicedesk.models import Ticket
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required, visible_ticket


def _act(
    request: HttpRequest,
    problem_reference: str,
    *,
    name: str,
    make_form: Callable[[HttpRequest, Problem], forms.Form],
    act: Callable[[Problem, Any], str],
) -> HttpResponse:
    problem = visible_problem(request, problem_reference)
    if refused := allow(request, "POST"):
        return refused
    form = make_form(request, problem)
    if form.is_valid():
        try:
            done = act(problem, form)
        except SERVICE_ERRORS as error:
            add_service_error(form, error)
        else:
            messages.success(request, done)
            return redirect("problems:problem_detail", problem_reference=problem.reference)
    problem = visible_problem(request, problem.reference)
    context = detail_context(request, problem, **{name: form})
    context["failed"] = name
    context["action_errors"] = [str(error) for error in form.non_field_errors()]
    return render(request, "problems/problem_detail.html", context, status=INVALID)


@staff_required
def problem_edit(request: HttpRequest, problem_reference: str) -> HttpResponse:
    user = current_user(request)

    def act(problem: Problem, form: ProblemForm) -> str:
        services.update_problem(problem, by=user, **form.cleaned_data)
        return _("Problem saved.")

    return _act(
        request,
        problem_reference,
        name="edit_form",
        make_form=lambda r, p: ProblemForm(r.POST, organization=p.organization, user=user, with_incidents=False),
        act=act,
    )


@staff_required
def problem_link(request: HttpRequest, problem_reference: str) -> HttpResponse:
    user = current_user(request)

    def act(problem: Problem, form: LinkForm) -> str:
        linked = services.link_incidents(problem, by=user, incidents=form.cleaned_data["incidents"])
        return ngettext("%(count)d incident linked.", "%(count)d incidents linked.", len(linked)) % {"count": len(linked)}

    return _act(request, problem_reference, name="link_form", make_form=lambda r, p: LinkForm(r.POST, user=user), act=act)


@staff_required
def problem_unlink(request: HttpRequest, problem_reference: str) -> HttpResponse:
    user = current_user(request)

    def act(problem: Problem, form: UnlinkForm) -> str:
        reference = parse_references(form.cleaned_data["incident"])
        ticket = problem.incidents.filter(reference__in=reference).first()
        if ticket is None:
            raise Http404
        services.unlink_incident(problem, by=user, incident=ticket)
        return _("%(reference)s unlinked.") % {"reference": ticket.reference}

    return _act(request, problem_reference, name="unlink_form", make_form=lambda r, p: UnlinkForm(r.POST), act=act)


@staff_required
def problem_status(request: HttpRequest, problem_reference: str) -> HttpResponse:
    user = current_user(request)
    done = {
        "investigate": _("Investigation started."),
        "close": _("Problem closed."),
        "cancel": _("Problem cancelled."),
        "reopen": _("Problem reopened."),
    }

    def act(problem: Problem, form: StatusActionForm) -> str:
        action = form.cleaned_data["action"]
        lifecycle.STATUS_ACTIONS[action](problem, by=user)
        return done[action]

    return _act(request, problem_reference, name="status_form", make_form=lambda r, p: StatusActionForm(r.POST), act=act)


@staff_required
def problem_root_cause(request: HttpRequest, problem_reference: str) -> HttpResponse:
    user = current_user(request)

    def act(problem: Problem, form: RootCauseForm) -> str:
        lifecycle.record_root_cause(problem, by=user, **form.cleaned_data)
        return _("Root cause recorded.")

    return _act(request, problem_reference, name="root_cause_form", make_form=lambda r, p: RootCauseForm(r.POST), act=act)


@staff_required
def problem_publish(request: HttpRequest, problem_reference: str) -> HttpResponse:
    user = current_user(request)

    def act(problem: Problem, form: KnownErrorForm) -> str:
        before = problem.deliveries.count()
        lifecycle.publish_known_error(problem, by=user, **form.cleaned_data)
        sent = problem.deliveries.count() - before
        return ngettext(
            "Known error published; the workaround was sent to %(count)d incident.",
            "Known error published; the workaround was sent to %(count)d incidents.",
            sent,
        ) % {"count": sent}

    return _act(request, problem_reference, name="known_error_form", make_form=lambda r, p: KnownErrorForm(r.POST), act=act)


@staff_required
def problem_resolve(request: HttpRequest, problem_reference: str) -> HttpResponse:
    user = current_user(request)

    def act(problem: Problem, form: ResolveForm) -> str:
        lifecycle.resolve_problem(problem, by=user, **form.cleaned_data)
        return _("Problem resolved.")

    return _act(
        request, problem_reference, name="resolve_form", make_form=lambda r, p: ResolveForm(r.POST, problem=p, user=user), act=act
    )


@staff_required
def ticket_link(request: HttpRequest, reference: str) -> HttpResponse:
    """From a ticket page: link this incident to one of its client's problems."""
    ticket = visible_ticket(request, reference)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    problem = (
        Problem.objects.visible_to(user)
        .filter(organization_id=ticket.organization_id, reference=request.POST.get("problem", "").upper())
        .first()
    )
    if problem is None:
        messages.error(request, _("Choose a problem of this client."))
        return redirect("servicedesk:ticket_detail", reference=ticket.reference)
    try:
        services.link_incidents(problem, by=user, incidents=[ticket])
    except SERVICE_ERRORS as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("Linked to %(reference)s.") % {"reference": problem.reference})
    return redirect("servicedesk:ticket_detail", reference=ticket.reference)


@staff_required
def incidents_link(request: HttpRequest) -> HttpResponse:
    """From the incident picker: link the chosen incidents to an existing problem."""
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    problem = get_object_or_404(Problem.objects.visible_to(user), reference=request.POST.get("problem", "").upper())
    tickets: list[Ticket]
    tickets, unknown = resolve_incidents(parse_references(" ".join(request.POST.getlist("incident"))), user)
    try:
        if unknown:
            raise ValidationError({"incidents": _("Unknown incident: %(references)s.") % {"references": ", ".join(unknown)}})
        linked = services.link_incidents(problem, by=user, incidents=tickets)
    except SERVICE_ERRORS as error:
        for message in error_messages(error):
            messages.error(request, message)
        return redirect(f"{_picker_url()}?client={problem.organization_id}")
    messages.success(
        request,
        ngettext("%(count)d incident linked.", "%(count)d incidents linked.", len(linked)) % {"count": len(linked)},
    )
    return redirect("problems:problem_detail", problem_reference=problem.reference)


def _picker_url() -> str:
    return reverse("problems:incident_picker")
