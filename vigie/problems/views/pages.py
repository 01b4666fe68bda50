"""The problem pages of the staff interface (``/desk/problems/``): list, detail, creation (also
from a set of incidents), the incident picker and the known error base."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vigie.core.pagination import CappedPaginator
from vigie.problems import permissions, services
from vigie.problems.forms import ProblemFilterForm, ProblemForm, parse_references, resolve_incidents
from vigie.problems.models import KnownError, KnownErrorStatus, Problem, ProblemStatus
from vigie.problems.views.common import detail_context, managed_clients, served_clients, visible_problem
from vigie.servicedesk.forms import SERVICE_ERRORS, add_service_error
from vigie.servicedesk.models import Ticket
from vigie.servicedesk.search import search_tickets
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.tenancy.models import Organization

PAGE_SIZE = 50
PICKER_LIMIT = 100


@staff_required
def problem_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    clients = served_clients(user)
    form = ProblemFilterForm(request.GET or None, clients=clients)
    problems = Problem.objects.visible_to(user).for_list().order_by("-created_at", "-id")
    if form.is_valid():
        data = form.cleaned_data
        if data["client"]:
            problems = problems.filter(organization=data["client"])
        if data["status"] == "open":
            problems = problems.open()
        elif data["status"]:
            problems = problems.filter(status=data["status"])
        if data["manager"]:
            problems = problems.filter(manager=data["manager"])
        if data["workaround"] == "yes":
            problems = problems.exclude(workaround="")
        elif data["workaround"] == "no":
            problems = problems.filter(workaround="")
        for word in (data["q"] or "").split()[:5]:
            problems = problems.filter(Q(title__icontains=word) | Q(reference__iexact=word) | Q(root_cause__icontains=word))
    page = CappedPaginator(problems, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "clients": clients,
        "statuses": ProblemStatus.choices,
        "can_create": bool(managed_clients(user)),
    }
    return render(request, "problems/problem_list.html", context)


@staff_required
def problem_detail(request: HttpRequest, problem_reference: str) -> HttpResponse:
    problem = visible_problem(request, problem_reference)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return render(request, "problems/problem_detail.html", detail_context(request, problem))


def _organization_for_create(request: HttpRequest) -> Organization | None:
    """The client named by ``?organization=``, or the one of the incidents named by ``?incident=``."""
    user = current_user(request)
    raw = request.POST.get("organization") or request.GET.get("organization", "")
    if raw.isdigit():
        return served_clients(user).filter(pk=int(raw)).first()
    references = parse_references(" ".join(request.GET.getlist("incident")))
    tickets, _unknown = resolve_incidents(references, user)
    return tickets[0].organization if tickets else None


@staff_required
def problem_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    organization = _organization_for_create(request)
    if organization is None:
        return render(request, "problems/choose_client.html", {"clients": managed_clients(user)})
    if not permissions.can_manage(user, organization.pk):
        raise PermissionDenied(services.refused())
    if request.method == "POST":
        form = ProblemForm(request.POST, organization=organization, user=user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                problem = services.create_problem(by=user, organization=organization, **data)
            except SERVICE_ERRORS as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Problem %(reference)s created.") % {"reference": problem.reference})
                return redirect("problems:problem_detail", problem_reference=problem.reference)
        return render(request, "problems/problem_form.html", {"form": form, "organization": organization}, status=INVALID)
    references = parse_references(" ".join(request.GET.getlist("incident")))
    tickets, _unknown = resolve_incidents(references, user)
    tickets = [t for t in tickets if t.organization_id == organization.pk]
    initial: dict[str, object] = {"incidents": ", ".join(t.reference for t in tickets)}
    if tickets:
        initial.update(
            title=tickets[0].title,
            category=tickets[0].category_id,
            impact=min(t.impact for t in tickets),
            urgency=min(t.urgency for t in tickets),
            manager=user.pk,
        )
    form = ProblemForm(organization=organization, user=user, initial=initial)
    return render(request, "problems/problem_form.html", {"form": form, "organization": organization, "tickets": tickets})


@staff_required
def incident_picker(request: HttpRequest) -> HttpResponse:
    """Pick incidents of one client to create a problem from them, or to link them to one."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    clients = served_clients(user)
    raw = request.GET.get("client", "")
    client = clients.filter(pk=int(raw)).first() if raw.isdigit() else None
    text = request.GET.get("q", "").strip()[:200]
    only_open = request.GET.get("all", "") != "1"
    incidents: list[Ticket] = []
    problems: list[Problem] = []
    if client is not None:
        tickets = Ticket.objects.visible_to(user).incidents().filter(organization=client).for_table()
        if only_open:
            tickets = tickets.open()
        if text:
            tickets = search_tickets(tickets, text)
        incidents = list(tickets.order_by("-created_at", "-id")[:PICKER_LIMIT])
        problems = list(Problem.objects.visible_to(user).linkable().filter(organization=client).order_by("-created_at"))
    context = {
        "clients": clients,
        "client": client,
        "q": text,
        "only_open": only_open,
        "incidents": incidents,
        "limit": PICKER_LIMIT,
        "problems": problems,
        "can_create": client is not None and permissions.can_manage(user, client.pk),
    }
    return render(request, "problems/incident_picker.html", context)


@staff_required
def known_error_list(request: HttpRequest) -> HttpResponse:
    """The known error base: search the symptoms, workarounds and root causes of the clients served."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    clients = served_clients(user)
    known_errors = KnownError.objects.visible_to(user).select_related("problem", "organization")
    raw = request.GET.get("client", "")
    if raw.isdigit():
        known_errors = known_errors.filter(organization_id=int(raw))
    status = request.GET.get("status", KnownErrorStatus.ACTIVE)
    if status in KnownErrorStatus.values:
        known_errors = known_errors.filter(status=status)
    text = request.GET.get("q", "").strip()[:200]
    if text:
        known_errors = known_errors.search(text)
    page = CappedPaginator(known_errors.order_by("-published_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "clients": clients,
        "chosen": raw,
        "status": status,
        "statuses": KnownErrorStatus.choices,
        "q": text,
    }
    return render(request, "problems/known_error_list.html", context)
