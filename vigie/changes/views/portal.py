"""The client manager's approvals in the portal (``/portal/changes/``).

A client manager sees the changes of the own company waiting for the client's decision, with the
plans, window, risk and impact, and approves or rejects them. Anyone else, and any other change,
gets a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from vigie.changes import approvals, feeds, planning, workflow
from vigie.changes.forms import DecisionForm
from vigie.changes.impact import impact_of
from vigie.changes.models import Change, ChangeType
from vigie.servicedesk.views.common import INVALID, allow, current_user
from vigie.tenancy.models import Membership, Role


def _managed_company_ids(request: HttpRequest) -> list[int]:
    return list(
        Membership.objects.filter(user=current_user(request), role=Role.CLIENT_MANAGER).values_list("organization_id", flat=True)
    )


def _change_for_manager(request: HttpRequest, change_id: int) -> Change:
    companies = _managed_company_ids(request)
    if not companies:
        raise Http404
    queryset = Change.objects.visible_to(current_user(request)).filter(organization_id__in=companies, type=ChangeType.NORMAL)
    return get_object_or_404(queryset.select_related("organization", "owner"), pk=change_id)


@login_required
def change_list(request: HttpRequest) -> HttpResponse:
    if not _managed_company_ids(request):
        raise Http404
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    waiting = approvals.awaiting_client(user)
    decided = (
        Change.objects.visible_to(user)
        .filter(approvals__approver=user)
        .select_related("organization")
        .order_by("-approvals__decided_at")[:20]
    )
    feed_url = request.build_absolute_uri(feeds.feed_path(user))
    return render(request, "changes/portal_list.html", {"waiting": waiting, "decided": decided, "feed_url": feed_url})


def _render_detail(
    request: HttpRequest, change: Change, form: DecisionForm, status: int = 200, errors: list[str] | None = None
) -> HttpResponse:
    user = current_user(request)
    context = {
        "change": change,
        "form": form,
        "can_decide": approvals.can_decide(user, change),
        "impact": impact_of(change),
        "conflicts": planning.conflicts_for(change),
        "freezes": planning.freezes_for(change),
        "mine": change.approvals.filter(approver=user).first(),
        "errors": errors or [],
    }
    return render(request, "changes/portal_detail.html", context, status=status)


@login_required
def change_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    change = _change_for_manager(request, change_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    if request.method != "POST":
        return _render_detail(request, change, DecisionForm())
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, change, form, INVALID)
    try:
        approvals.decide(change, by=current_user(request), **form.cleaned_data)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, found in error.message_dict.items():
                form.add_error(name if name in form.fields else None, found)
        else:
            form.add_error(None, error.messages)
        return _render_detail(request, change, form, INVALID)
    except (PermissionDenied, workflow.TransitionError) as error:
        return _render_detail(request, change, form, 403 if isinstance(error, PermissionDenied) else INVALID, [str(error)])
    messages.success(request, _("Your decision is recorded."))
    return redirect("client_changes:change_list")
