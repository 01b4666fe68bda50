"""Self-service portal: a client's employees open tickets, follow them and answer.

A requester sees their own (and watched) tickets; a client manager or IT contact sees the
whole company's, with a "mine / all company" filter. Only the public part of a ticket is
ever shown here: no internal note, internal event or internal file.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.core.pagination import CappedPaginator, search_paging
from vigie.servicedesk import services
from vigie.servicedesk.forms import (
    SERVICE_ERRORS,
    PortalReplyForm,
    PortalTicketForm,
    add_service_error,
    error_messages,
    uploads_from,
)
from vigie.servicedesk.models import FINISHED_STATUSES, OPEN_STATUSES, Channel, Level, Ticket, TicketStatus
from vigie.servicedesk.search import search_tickets
from vigie.servicedesk.views.common import INVALID, allow, current_user, is_htmx_fragment, visible_ticket
from vigie.servicedesk.views.timeline import build_timeline
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Membership, Organization

PORTAL_PAGE_SIZE = 25
SCOPES = ("all", "mine")
STATES = ("open", "finished", "all")


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    company_wide = bool(access_for(user).company_wide_client_ids)
    scope = request.GET.get("scope", "all") if company_wide else "mine"
    scope = scope if scope in SCOPES else "all"
    state = request.GET.get("state", "open")
    state = state if state in STATES else "open"
    tickets = Ticket.objects.visible_to(user).for_table().order_by("-last_activity_at", "-id")
    if company_wide and scope == "mine":
        tickets = tickets.filter(requester=user)
    if state == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif state == "finished":
        tickets = tickets.filter(status__in=FINISHED_STATUSES)
    query = request.GET.get("q", "").strip()[:200]
    if query:
        tickets = search_tickets(tickets, query)
    page = CappedPaginator(tickets, PORTAL_PAGE_SIZE, **search_paging(bool(query))).get_page(request.GET.get("page"))
    context = {"page": page, "company_wide": company_wide, "scope": scope, "state": state, "query": query}
    return render(request, "portal/ticket_list.html", context)


def _organizations(user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=access_for(user).client_ids, is_active=True).order_by("name")


def _colleagues(user: User) -> QuerySet[User] | None:
    """People this user may open a ticket for, or None when they may only open for themselves."""
    company_wide = access_for(user).company_wide_client_ids
    if not company_wide:
        return None
    return (
        User.objects.filter(is_active=True, memberships__organization__in=company_wide)
        .exclude(pk=user.pk)
        .filter(memberships__organization__kind="client")
        .distinct()
        .order_by("first_name", "last_name")
    )


@login_required
def ticket_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    organizations = _organizations(user)
    kwargs: dict[str, Any] = {"organizations": organizations, "colleagues": _colleagues(user)}
    if request.method != "POST":
        # The employee's own site (from their membership) is the likely one.
        site = Membership.objects.filter(user=user, site__isnull=False).values_list("site", flat=True).first()
        form = PortalTicketForm(initial={"site": site}, **kwargs)
        return render(request, "portal/ticket_create.html", {"form": form})
    form = PortalTicketForm(request.POST, request.FILES, **kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.open_ticket(
                by=user,
                organization=data["organization"],
                requester=data.get("requester") or (None if access_for(user).is_staff_member else user),
                type=data["type"],
                title=data["title"],
                description=data["description"],
                impact=Level.MEDIUM,
                urgency=data["urgency"],
                category=data["category"],
                site=data["site"],
                channel=Channel.PORTAL,
                uploads=uploads_from(data["attachments"]),
            )
        except SERVICE_ERRORS as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Your ticket %(reference)s has been recorded. We will get back to you.") % {"reference": ticket.reference},
            )
            return redirect("portal:ticket_detail", reference=ticket.reference)
    return render(request, "portal/ticket_create.html", {"form": form}, status=INVALID)


def _workspace(request: HttpRequest, ticket: Ticket, *, reply_form: PortalReplyForm | None = None) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "timeline": build_timeline(ticket, user=request.user, staff=False),
        "reply_form": reply_form or PortalReplyForm(),
        "can_reply": ticket.status not in (TicketStatus.CLOSED, TicketStatus.CANCELLED),
        "is_resolved": ticket.status == TicketStatus.RESOLVED,
    }


@login_required
def ticket_detail(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = visible_ticket(request, reference)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return render(request, "portal/ticket_detail.html", _workspace(request, ticket))


def _after(request: HttpRequest, ticket: Ticket, done: str) -> HttpResponse:
    if is_htmx_fragment(request):
        context = _workspace(request, visible_ticket(request, ticket.reference))
        context["flash"] = done
        return render(request, "portal/partials/_workspace.html", context)
    messages.success(request, done)
    return redirect("portal:ticket_detail", reference=ticket.reference)


def _refused(
    request: HttpRequest, ticket: Ticket, form: PortalReplyForm | None = None, *, action_errors: list[str] | None = None
) -> HttpResponse:
    context = _workspace(request, visible_ticket(request, ticket.reference), reply_form=form)
    context["action_errors"] = action_errors or []
    template = "portal/partials/_workspace.html" if is_htmx_fragment(request) else "portal/ticket_detail.html"
    return render(request, template, context, status=INVALID)


@login_required
def ticket_reply(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = visible_ticket(request, reference)
    if refused := allow(request, "POST"):
        return refused
    form = PortalReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_comment(
                ticket,
                by=current_user(request),
                body=form.cleaned_data["body"] or "",
                channel=Channel.PORTAL,
                uploads=uploads_from(form.cleaned_data["attachments"]),
            )
        except SERVICE_ERRORS as error:
            add_service_error(form, error)
        else:
            return _after(request, ticket, _("Your reply has been sent."))
    return _refused(request, ticket, form)


def _confirm(request: HttpRequest, reference: str, target: str, done: str) -> HttpResponse:
    ticket = visible_ticket(request, reference)
    if refused := allow(request, "POST"):
        return refused
    try:
        services.change_status(ticket, target, by=current_user(request))
    except SERVICE_ERRORS as error:
        return _refused(request, ticket, action_errors=error_messages(error))
    return _after(request, ticket, done)


@login_required
def ticket_close(request: HttpRequest, reference: str) -> HttpResponse:
    """ "It's fixed, close it": the requester confirms a resolved ticket."""
    return _confirm(request, reference, TicketStatus.CLOSED, _("Thank you! The ticket is closed."))


@login_required
def ticket_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    """ "Still broken": the requester reopens a resolved ticket."""
    return _confirm(
        request, reference, TicketStatus.IN_PROGRESS, _("The ticket is reopened; a technician will look at it again.")
    )
