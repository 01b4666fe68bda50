"""The staff ticket page and its actions: reply or note, reassign, details, status, watchers.

Each action is a small POST view: validate a form, call a service, then either answer an
htmx request with the refreshed ticket workspace, or redirect (no JavaScript). A refused
action re-renders the workspace with the form's errors and status 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.servicedesk import services, workflow
from vigie.servicedesk.forms import (
    SERVICE_ERRORS,
    AssignForm,
    CommentForm,
    DetailsForm,
    StatusForm,
    WatchersForm,
    add_service_error,
    uploads_from,
)
from vigie.servicedesk.models import Priority, Ticket, TicketStatus
from vigie.servicedesk.views.common import INVALID, allow, current_user, is_htmx_fragment, staff_required, visible_ticket
from vigie.servicedesk.views.timeline import build_timeline

# The status buttons offered on the ticket page, as verbs. "new" and "assigned" follow from
# the assignment and are not offered as buttons; resolving has its own form (it needs a text).
STATUS_ACTIONS: dict[str, Any] = {
    TicketStatus.IN_PROGRESS: gettext_lazy("Start work"),
    TicketStatus.WAITING_CUSTOMER: gettext_lazy("Wait for customer"),
    TicketStatus.WAITING_THIRD_PARTY: gettext_lazy("Wait for third party"),
    TicketStatus.CLOSED: gettext_lazy("Close"),
    TicketStatus.CANCELLED: gettext_lazy("Cancel ticket"),
}
REOPEN_LABEL = gettext_lazy("Reopen")
FORM_NAMES = ("comment_form", "assign_form", "details_form", "status_form", "watchers_form")


def priority_matrix_labels() -> dict[str, str]:
    return {f"{impact}-{urgency}": str(Priority(priority).label) for (impact, urgency), priority in workflow.matrix().items()}


def status_actions(ticket: Ticket) -> list[tuple[str, str]]:
    targets = workflow.allowed_targets(ticket.status)
    actions = []
    for target in targets:
        if target == TicketStatus.IN_PROGRESS and ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            actions.append((target, str(REOPEN_LABEL)))
        elif target in STATUS_ACTIONS:
            actions.append((target, str(STATUS_ACTIONS[target])))
    return actions


def workspace_context(request: HttpRequest, ticket: Ticket, **bound: forms.Form) -> dict[str, Any]:
    user = current_user(request)
    timeline = build_timeline(ticket, user=user, staff=True)
    context: dict[str, Any] = {
        "ticket": ticket,
        "timeline": timeline,
        "status_actions": status_actions(ticket),
        "can_resolve": TicketStatus.RESOLVED in workflow.allowed_targets(ticket.status),
        "priority_matrix": priority_matrix_labels(),
        "watchers": list(ticket.watchers.all()),
        "comment_form": CommentForm(),
        "assign_form": AssignForm(ticket=ticket),
        "details_form": DetailsForm(ticket=ticket),
        "status_form": StatusForm(ticket=ticket),
        "watchers_form": WatchersForm(ticket=ticket),
        "is_closed_for_replies": ticket.status == TicketStatus.CANCELLED,
    }
    context.update(bound)
    return context


@staff_required
def ticket_detail(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = visible_ticket(request, reference)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return render(request, "servicedesk/ticket_detail.html", workspace_context(request, ticket))


def _respond(request: HttpRequest, ticket: Ticket, *, done: str | None, status: int = 200, **bound: forms.Form) -> HttpResponse:
    if done is not None and not is_htmx_fragment(request):
        messages.success(request, done)
        return redirect("servicedesk:ticket_detail", reference=ticket.reference)
    ticket = visible_ticket(request, ticket.reference)  # re-read after the change
    context = workspace_context(request, ticket, **bound)
    context["flash"] = done
    template = "servicedesk/partials/_workspace.html" if is_htmx_fragment(request) else "servicedesk/ticket_detail.html"
    return render(request, template, context, status=status)


def _action(
    request: HttpRequest,
    reference: str,
    *,
    name: str,
    make_form: Callable[[HttpRequest, Ticket], forms.Form],
    act: Callable[[Ticket, Any], str],
) -> HttpResponse:
    ticket = visible_ticket(request, reference)
    if refused := allow(request, "POST"):
        return refused
    form = make_form(request, ticket)
    if form.is_valid():
        try:
            done = act(ticket, form)
        except SERVICE_ERRORS as error:
            add_service_error(form, error)
        else:
            return _respond(request, ticket, done=done)
    return _respond(request, ticket, done=None, status=INVALID, **{name: form})


@staff_required
def ticket_comment(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)

    def act(ticket: Ticket, form: CommentForm) -> str:
        services.add_comment(
            ticket,
            by=user,
            body=form.cleaned_data["body"] or "",
            internal=form.internal,
            uploads=uploads_from(form.cleaned_data["attachments"]),
        )
        return _("Internal note added.") if form.internal else _("Reply sent to the requester.")

    return _action(
        request,
        reference,
        name="comment_form",
        make_form=lambda r, t: CommentForm(r.POST, r.FILES),
        act=act,
    )


@staff_required
def ticket_assign(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)

    def act(ticket: Ticket, form: AssignForm) -> str:
        services.assign_ticket(ticket, by=user, assignee=form.cleaned_data["assignee"], group=form.cleaned_data["group"])
        return _("Assignment saved.")

    return _action(
        request,
        reference,
        name="assign_form",
        make_form=lambda r, t: AssignForm(r.POST, ticket=t),
        act=act,
    )


@staff_required
def ticket_details(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)

    def act(ticket: Ticket, form: DetailsForm) -> str:
        services.update_ticket(ticket, by=user, **form.cleaned_data)
        return _("Ticket updated.")

    return _action(
        request,
        reference,
        name="details_form",
        make_form=lambda r, t: DetailsForm(r.POST, ticket=t),
        act=act,
    )


@staff_required
def ticket_status(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)

    def act(ticket: Ticket, form: StatusForm) -> str:
        target = form.cleaned_data["status"]
        services.change_status(ticket, target, by=user, resolution=form.cleaned_data.get("resolution") or "")
        return _("Status changed to %(status)s.") % {"status": TicketStatus(target).label}

    return _action(
        request,
        reference,
        name="status_form",
        make_form=lambda r, t: StatusForm(r.POST, ticket=t),
        act=act,
    )


@staff_required
def ticket_watchers(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)

    def act(ticket: Ticket, form: WatchersForm) -> str:
        services.set_watchers(ticket, by=user, watchers=form.cleaned_data["watchers"])
        return _("Watchers saved.")

    return _action(
        request,
        reference,
        name="watchers_form",
        make_form=lambda r, t: WatchersForm(r.POST, ticket=t),
        act=act,
    )
