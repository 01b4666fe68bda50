"""Changes in the staff interface (``/desk/changes/``): list, create, edit, detail and its actions.

Provider staff only (anyone else: 404); a change of a client the user does not serve is a 404.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.changes import approvals, permissions, planning, services, workflow
from vigie.changes.forms import ActionForm, ChangeForm, DecisionForm, FilterForm, IncidentForm, RiskForm
from vigie.changes.impact import impact_of
from vigie.changes.models import (
    ACTIVE_STATUSES,
    EDITABLE_STATUSES,
    Change,
    ChangeEventKind,
    ChangeRiskAnswer,
    ChangeStatus,
    ChangeType,
)
from vigie.servicedesk.models import Ticket
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.tenancy.models import Organization

LIST_LIMIT = 200


def visible_change(request: HttpRequest, change_id: int) -> Change:
    """The change if this user may see it; 404 otherwise, whoever owns it."""
    queryset = Change.objects.visible_to(current_user(request)).select_related(
        "organization", "owner", "group", "requested_by", "template", "freeze_override_by", "reviewed_by"
    )
    return get_object_or_404(queryset, pk=change_id)


def served_clients(request: HttpRequest) -> Any:
    user = current_user(request)
    return Organization.objects.visible_to(user).clients().filter(pk__in=_served_ids(user)).order_by("name")


def _served_ids(user: Any) -> frozenset[int]:
    from vigie.tenancy.access import access_for

    return access_for(user).company_wide_client_ids


def _errors_of(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(m) for m in error.messages]
    return [str(error) or _("You are not allowed to do this.")]


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@staff_required
def change_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    clients = served_clients(request)
    form = FilterForm(request.GET or None, clients=clients)
    changes = Change.objects.visible_to(user).for_list().order_by("-created_at", "-pk")
    if form.is_valid():
        data = form.cleaned_data
        if data["client"]:
            changes = changes.filter(organization=data["client"])
        if data["status"] == "open":
            changes = changes.exclude(status__in=[ChangeStatus.CLOSED, ChangeStatus.CANCELLED, ChangeStatus.REJECTED])
        elif data["status"]:
            changes = changes.filter(status=data["status"])
        if data["type"]:
            changes = changes.filter(type=data["type"])
        if data["risk"]:
            changes = changes.filter(risk_level=data["risk"])
        if data["window_from"]:
            changes = changes.filter(planned_end__gt=_day_start(data["window_from"]))
        if data["window_to"]:
            changes = changes.filter(planned_start__lt=_day_start(data["window_to"] + timedelta(days=1)))
    rows = list(changes[: LIST_LIMIT + 1])
    context = {
        "changes": rows[:LIST_LIMIT],
        "more": len(rows) > LIST_LIMIT,
        "form": form,
        "clients": clients,
        "statuses": ChangeStatus.choices,
        "types": ChangeType.choices,
        "risks": Change._meta.get_field("risk_level").choices,
        "conflicting": planning.conflicting_ids(rows[:LIST_LIMIT]),
        "awaiting_me": [
            c
            for c in Change.objects.visible_to(user).filter(status=ChangeStatus.AWAITING_APPROVAL)
            if approvals.can_decide(user, c)
        ],
    }
    return render(request, "changes/change_list.html", context)


def _organization_from_query(request: HttpRequest) -> Organization | None:
    raw = request.GET.get("organization", "")
    if not raw:
        return None
    if not raw.isdigit():
        from django.http import Http404

        raise Http404
    found: Organization = get_object_or_404(served_clients(request), pk=int(raw))
    return found


def _form_values(form: ChangeForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["services"] = list(data["services"])
    data["configuration_items"] = list(data["configuration_items"])
    return data


@staff_required
def change_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    organization = _organization_from_query(request)
    if organization is None:
        return render(
            request, "changes/choose_client.html", {"organizations": served_clients(request), "target": "changes:change_create"}
        )
    if request.method == "POST":
        form = ChangeForm(request.POST, organization=organization, user=user)
        if form.is_valid():
            try:
                change = services.create_change(by=user, organization=organization, **_form_values(form))
            except (ValidationError, PermissionDenied) as error:
                _apply(error, form)
            else:
                messages.success(request, _("Change %(reference)s created.") % {"reference": change.reference})
                return redirect("changes:change_detail", change_id=change.pk)
        return render(request, "changes/change_form.html", {"form": form, "organization": organization}, status=INVALID)
    initial: dict[str, Any] = {}
    template_id = request.GET.get("template", "")
    if template_id.isdigit():
        initial = {"type": ChangeType.STANDARD, "template": int(template_id)}
    form = ChangeForm(organization=organization, user=user, initial=initial)
    return render(request, "changes/change_form.html", {"form": form, "organization": organization})


def _apply(error: Exception, form: Any) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, found in error.message_dict.items():
            form.add_error(name if name in form.fields else None, found)
        return
    form.add_error(None, _errors_of(error))


@staff_required
def change_edit(request: HttpRequest, change_id: int) -> HttpResponse:
    change = visible_change(request, change_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    if not permissions.can_work(user, change):
        raise PermissionDenied
    context: dict[str, Any] = {"organization": change.organization, "change": change}
    if request.method == "POST":
        form = ChangeForm(request.POST, organization=change.organization, user=user, change=change)
        if form.is_valid():
            try:
                services.update_change(change, by=user, **_form_values(form))
            except (ValidationError, PermissionDenied) as error:
                _apply(error, form)
            else:
                messages.success(request, _("Change saved."))
                return redirect("changes:change_detail", change_id=change.pk)
        return render(request, "changes/change_form.html", {**context, "form": form}, status=INVALID)
    form = ChangeForm(organization=change.organization, user=user, change=change)
    return render(request, "changes/change_form.html", {**context, "form": form})


def _available_actions(user: Any, change: Change) -> list[workflow.Transition]:
    found = []
    for step in workflow.available(change.status):
        early_cancel = step.name == "cancel" and change.status in (ChangeStatus.DRAFT, ChangeStatus.SUBMITTED)
        actor = workflow.Actor.WORKER if early_cancel else step.actor
        if not services.may_act(user, change, actor):
            continue
        if step.name == "close" and change.status == ChangeStatus.IMPLEMENTED and change.needs_review:
            continue
        found.append(step)
    return found


def detail_context(request: HttpRequest, change: Change, **extra: Any) -> dict[str, Any]:
    user = current_user(request)
    answers = dict(ChangeRiskAnswer.objects.filter(change=change).values_list("question_id", "choice_id"))
    questions = services.active_questions()
    events = list(change.events.select_related("actor"))
    return {
        "change": change,
        "actions": _available_actions(user, change),
        "can_edit": change.status in EDITABLE_STATUSES and permissions.can_work(user, change),
        "can_assess": permissions.can_work(user, change)
        and (change.status in EDITABLE_STATUSES or change.type == ChangeType.EMERGENCY),
        "approval": approvals.state_of(change),
        "can_decide": approvals.can_decide(user, change),
        "risk_form": extra.pop("risk_form", None) or RiskForm(questions=questions, current=answers),
        "risk_answers": answers,
        "decision_form": extra.pop("decision_form", None) or DecisionForm(),
        "action_form": extra.pop("action_form", None) or ActionForm(),
        "incident_form": extra.pop("incident_form", None) or IncidentForm(),
        "conflicts": planning.conflicts_for(change),
        "freezes": planning.freezes_for(change),
        "impact": impact_of(change),
        "incidents": list(change.caused_incidents.order_by("-created_at")),
        "events": events,
        "status_kind": ChangeEventKind.STATUS,
        "is_manager": permissions.can_manage(user, change.organization_id),
        "booked": change.status in ACTIVE_STATUSES,
        **extra,
    }


@staff_required
def change_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    change = visible_change(request, change_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return render(request, "changes/change_detail.html", detail_context(request, change))


def _refused(request: HttpRequest, change: Change, error: Exception, **forms: Any) -> HttpResponse:
    context = detail_context(request, change, errors=_errors_of(error), **forms)
    status = 403 if isinstance(error, PermissionDenied) else INVALID
    return render(request, "changes/change_detail.html", context, status=status)


@staff_required
def change_action(request: HttpRequest, change_id: int) -> HttpResponse:
    change = visible_change(request, change_id)
    if refused := allow(request, "POST"):
        return refused
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _refused(request, change, ValidationError(_("Unknown action.")))
    data = form.cleaned_data
    try:
        services.transition(
            change,
            data["action"],
            by=current_user(request),
            override_freeze=data["override_freeze"],
            override_reason=data["override_reason"],
            outcome=data["outcome"],
            notes=data["notes"],
        )
    except (ValidationError, PermissionDenied, workflow.TransitionError) as error:
        return _refused(request, change, error, action_form=form)
    messages.success(request, _("Change updated."))
    return redirect("changes:change_detail", change_id=change.pk)


@staff_required
def change_risk(request: HttpRequest, change_id: int) -> HttpResponse:
    change = visible_change(request, change_id)
    if refused := allow(request, "POST"):
        return refused
    form = RiskForm(request.POST, questions=services.active_questions(), current={})
    if not form.is_valid():
        return _refused(request, change, ValidationError(_("Answer every question.")), risk_form=form)
    try:
        services.assess_risk(change, by=current_user(request), answers=form.answers())
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, change, error, risk_form=form)
    messages.success(request, _("Risk assessed."))
    return redirect("changes:change_detail", change_id=change.pk)


@staff_required
def change_decide(request: HttpRequest, change_id: int) -> HttpResponse:
    change = visible_change(request, change_id)
    if refused := allow(request, "POST"):
        return refused
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refused(request, change, ValidationError(_("Approve or reject.")), decision_form=form)
    try:
        approvals.decide(change, by=current_user(request), **form.cleaned_data)
    except (ValidationError, PermissionDenied, workflow.TransitionError) as error:
        return _refused(request, change, error, decision_form=form)
    messages.success(request, _("Your decision is recorded."))
    return redirect("changes:change_detail", change_id=change.pk)


@staff_required
def change_incidents(request: HttpRequest, change_id: int) -> HttpResponse:
    change = visible_change(request, change_id)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    try:
        removed = request.POST.get("remove", "")
        if removed:
            ticket = get_object_or_404(change.caused_incidents.all(), reference=removed)
            services.link_incidents(change, by=user, remove=[ticket])
        else:
            form = IncidentForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give a ticket reference."))
            reference = form.cleaned_data["reference"].strip().upper()
            found = Ticket.objects.visible_to(user).filter(reference=reference).first()
            if found is None:
                raise ValidationError(_("No ticket %(reference)s among those you can see.") % {"reference": reference})
            services.link_incidents(change, by=user, add=[found])
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, change, error)
    return redirect("changes:change_detail", change_id=change.pk)


@staff_required
def ticket_link(request: HttpRequest, reference: str) -> HttpResponse:
    """From a ticket's page: say which change caused it."""
    user = current_user(request)
    ticket = get_object_or_404(Ticket.objects.visible_to(user), reference=reference)
    if refused := allow(request, "POST"):
        return refused
    wanted = request.POST.get("change", "").strip().upper()
    change = Change.objects.visible_to(user).filter(reference=wanted, organization_id=ticket.organization_id).first()
    if change is None:
        messages.error(request, _("No change %(reference)s of this client.") % {"reference": wanted or "—"})
    else:
        try:
            services.link_incidents(change, by=user, add=[ticket])
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(_errors_of(error)))
        else:
            messages.success(request, _("Linked to %(reference)s.") % {"reference": change.reference})
    return redirect("servicedesk:ticket_detail", reference=ticket.reference)
