"""Fulfilment tasks on the staff ticket page: done, skipped or reassigned through htmx, the
panel answering with its new state (or the whole page without JavaScript)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from vigie.catalog import fulfilment
from vigie.catalog.models import FulfilmentTask
from vigie.catalog.templatetags.catalog_ui import panel_context
from vigie.servicedesk.forms import VigieForm
from vigie.servicedesk.views.common import INVALID, allow, current_user, is_htmx_fragment, staff_required, visible_ticket
from vigie.tenancy.access import groups_visible_to, staff_visible_to


class FinishForm(VigieForm):
    action = forms.ChoiceField(choices=[("done", _("Done")), ("skip", _("Skip"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


def _task(request: HttpRequest, reference: str, task_id: int) -> FulfilmentTask:
    ticket = visible_ticket(request, reference)
    return get_object_or_404(FulfilmentTask.objects.select_related("request__ticket"), pk=task_id, request__ticket=ticket)


def _answer(request: HttpRequest, task: FulfilmentTask, errors: list[str]) -> HttpResponse:
    ticket = task.request.ticket
    if not is_htmx_fragment(request):
        if errors:
            raise ValidationError(errors)
        return redirect("servicedesk:ticket_detail", reference=ticket.reference)
    context: dict[str, Any] = {**panel_context(ticket, current_user(request), staff=True), "task_errors": errors}
    return render(request, "catalog/partials/_request_panel.html", context, status=INVALID if errors else 200)


def _errors(error: ValidationError) -> list[str]:
    return (
        [message for messages in error.message_dict.values() for message in messages]
        if hasattr(error, "error_dict")
        else error.messages
    )


@staff_required
def task_finish(request: HttpRequest, reference: str, task_id: int) -> HttpResponse:
    task = _task(request, reference, task_id)
    if refused := allow(request, "POST"):
        return refused
    form = FinishForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            fulfilment.finish_task(
                task, by=current_user(request), skip=form.cleaned_data["action"] == "skip", note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            errors = _errors(error)
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    return _answer(request, task, errors)


@staff_required
def task_assign(request: HttpRequest, reference: str, task_id: int) -> HttpResponse:
    task = _task(request, reference, task_id)
    if refused := allow(request, "POST"):
        return refused
    user = current_user(request)
    errors: list[str] = []
    group_id, assignee_id = request.POST.get("group", ""), request.POST.get("assignee", "")
    group = groups_visible_to(user).filter(pk=group_id).first() if group_id.isdigit() else None
    assignee = staff_visible_to(user).filter(pk=assignee_id).first() if assignee_id.isdigit() else None
    try:
        fulfilment.assign_task(task, by=user, assignee=assignee, group=group)
    except PermissionDenied:
        raise
    except ValidationError as error:
        errors = _errors(error)
    return _answer(request, task, errors)
