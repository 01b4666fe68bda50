"""Check pages: the list with filters, the editor (client and kind first), pause, resume, delete,
and the detail with its history, latency graph, uptime and alerts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.core.pagination import CappedPaginator
from vigie.monitoring import checks as services
from vigie.monitoring.forms import CheckForm
from vigie.monitoring.models import Alert, Check, CheckKind, CheckStatus, Ping, ProbeResult
from vigie.monitoring.permissions import serves
from vigie.monitoring.views import graphs
from vigie.monitoring.views.common import (
    STATUS_ORDER,
    chosen_filters,
    served_clients,
    status_rank,
    visible_check,
    visible_checks,
)
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.tenancy.models import Organization

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 25


def refused_message() -> str:
    return _("Only the provider's staff serving this client can change its supervision.")


def ping_url(check: Check) -> str:
    return f"{settings.SITE_URL}/ping/{check.ping_key}"


@staff_required
def check_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    clients = served_clients(request)
    chosen = chosen_filters(request, "client", "kind", "state", "q")
    checks = visible_checks(request).select_related("organization", "configuration_item", "service").defer("options")
    if chosen["client"]:
        checks = checks.filter(organization_id__in=[c.pk for c in clients if str(c.pk) == chosen["client"]])
    if chosen["kind"] in CheckKind.values:
        checks = checks.filter(kind=chosen["kind"])
    if chosen["state"] in CheckStatus.values:
        checks = checks.filter(status=chosen["state"])
    if chosen["q"]:
        checks = checks.filter(Q(name__icontains=chosen["q"]) | Q(target__icontains=chosen["q"]))
    checks = checks.annotate(rank=status_rank()).order_by("rank", "organization__name", "name", "id")
    page = CappedPaginator(checks, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "checks": page.object_list,
        "clients": clients,
        "chosen": chosen,
        "kinds": CheckKind.choices,
        "states": [(status, dict(CheckStatus.choices)[status]) for status in STATUS_ORDER],
        "can_create": any(serves(current_user(request), client.pk) for client in clients),
    }
    return render(request, "monitoring/check_list.html", context)


def _organization_from_query(request: HttpRequest) -> Organization | None:
    raw = request.GET.get("organization", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    for organization in served_clients(request):
        if organization.pk == int(raw):
            return organization
    raise Http404


def _render_form(
    request: HttpRequest, form: CheckForm, organization: Organization, check: Check | None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "organization": organization,
        "check": check,
        "kind": form.kind,
        "kind_label": dict(CheckKind.choices).get(form.kind, ""),
    }
    return render(request, "monitoring/check_form.html", context, status=status)


def _save(request: HttpRequest, organization: Organization, kind: str, check: Check | None) -> HttpResponse:
    form = CheckForm(request.POST, organization=organization, kind=kind, check=check)
    if form.is_valid():
        user = current_user(request)
        try:
            if check is None:
                saved = services.create_check(by=user, organization=organization, kind=kind, **form.service_values())
                messages.success(request, _("Check “%(name)s” created.") % {"name": saved.name})
                url = f"{_detail_url(saved)}?created=1"
                return redirect(url)
            saved = services.update_check(check, by=user, **form.service_values())
            messages.success(request, _("Check “%(name)s” saved.") % {"name": saved.name})
            return redirect("monitoring:check_detail", check_id=saved.pk)
        except ValidationError as error:
            form.apply_error(error)
    return _render_form(request, form, organization, check, INVALID)


def _detail_url(check: Check) -> str:
    from django.urls import reverse

    return reverse("monitoring:check_detail", kwargs={"check_id": check.pk})


@staff_required
def check_create(request: HttpRequest) -> HttpResponse:
    """GET without a client and kind: choose them; then the kind's fields."""
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    organization = _organization_from_query(request)
    kind = request.GET.get("kind", "")
    if organization is None or kind not in CheckKind.values:
        choices = [client for client in served_clients(request) if serves(user, client.pk)]
        context = {"organizations": choices, "kinds": CheckKind.choices, "chosen": organization, "kind": kind}
        return render(request, "monitoring/choose_kind.html", context)
    if not serves(user, organization.pk):
        raise PermissionDenied(refused_message())
    if request.method == "POST":
        return _save(request, organization, kind, None)
    return _render_form(request, CheckForm(organization=organization, kind=kind), organization, None)


@staff_required
def check_edit(request: HttpRequest, check_id: int) -> HttpResponse:
    check = visible_check(request, check_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    if not serves(current_user(request), check.organization_id):
        raise PermissionDenied(refused_message())
    if request.method == "POST":
        return _save(request, check.organization, check.kind, check)
    form = CheckForm(organization=check.organization, kind=check.kind, check=check)
    return _render_form(request, form, check.organization, check)


def _state_change(request: HttpRequest, check_id: int, action: str) -> HttpResponse:
    check = visible_check(request, check_id)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    if not serves(user, check.organization_id):
        raise PermissionDenied(refused_message())
    if action == "pause":
        services.pause_check(check, by=user)
        messages.success(request, _("Check “%(name)s” paused: it raises no alert until resumed.") % {"name": check.name})
    else:
        services.resume_check(check, by=user)
        messages.success(request, _("Check “%(name)s” resumed.") % {"name": check.name})
    return redirect("monitoring:check_detail", check_id=check.pk)


@staff_required
def check_pause(request: HttpRequest, check_id: int) -> HttpResponse:
    return _state_change(request, check_id, "pause")


@staff_required
def check_resume(request: HttpRequest, check_id: int) -> HttpResponse:
    return _state_change(request, check_id, "resume")


@staff_required
def check_delete(request: HttpRequest, check_id: int) -> HttpResponse:
    """GET: confirm; POST: delete the check with its history (its alerts stay, unlinked)."""
    check = visible_check(request, check_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    if not serves(user, check.organization_id):
        raise PermissionDenied(refused_message())
    if request.method == "POST":
        services.delete_check(check, by=user)
        messages.success(request, _("Check “%(name)s” deleted.") % {"name": check.name})
        return redirect("monitoring:client_board", organization_id=check.organization_id)
    return render(request, "monitoring/check_delete.html", {"check": check})


def _history(request: HttpRequest, check: Check) -> Any:
    if check.is_heartbeat:
        rows: Any = Ping.objects.filter(heartbeat=check).defer("body").order_by("-at", "-id")
    else:
        rows = ProbeResult.objects.filter(probe_check=check).defer("details").order_by("-at", "-id")
    return CappedPaginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))


@staff_required
def check_detail(request: HttpRequest, check_id: int) -> HttpResponse:
    check = visible_check(request, check_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    now = timezone.now()
    span = graphs.chosen_span(request.GET.get("span", ""))
    graph, measures = graphs.check_graph(check, span, now)
    alerts = (
        Alert.objects.filter(source_check=check)
        .select_related("ticket")
        .defer("description", "labels")
        .order_by("-last_seen_at", "-id")[:20]
    )
    context = {
        "check": check,
        "can_edit": serves(current_user(request), check.organization_id),
        "history": _history(request, check),
        "graph": graph,
        "measures": measures,
        "span": span,
        "spans": graphs.SPANS,
        "uptimes": graphs.uptimes(check, now),
        "alerts": list(alerts),
        "ping_url": ping_url(check) if check.is_heartbeat else "",
        "just_created": request.GET.get("created") == "1",
        # For the restore tests partial (a backup job's proof of restore).
        "restore_tests": list(check.restore_tests.select_related("performed_by")[:20]) if check.is_backup else [],
    }
    return render(request, "monitoring/check_detail.html", context)


@staff_required
def check_ping(request: HttpRequest, check_id: int, ping_id: int) -> HttpResponse:
    """One ping as received, with its body."""
    check = visible_check(request, check_id)
    ping = get_object_or_404(Ping.objects.filter(heartbeat=check), pk=ping_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return render(request, "monitoring/ping_detail.html", {"check": check, "ping": ping})
