"""Request templates in the staff interface (``/desk/services/templates/``): every staff member
reads the templates of the clients they serve; administrators and service owners change them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from vigie.catalog import permissions, template_services
from vigie.catalog.models import RequestTemplate, TemplateAudience
from vigie.catalog.template_forms import (
    FieldFormSet,
    OrderForm,
    RequestTemplateForm,
    TaskFormSet,
    field_rows,
    field_specs,
    task_rows,
    task_specs,
)
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.sla.permissions import can_manage_services
from vigie.sla.views.common import ServiceError
from vigie.tenancy.access import access_for, groups_visible_to
from vigie.tenancy.models import Organization, TechnicianGroup


def visible_template(request: HttpRequest, template_id: int) -> RequestTemplate:
    templates = RequestTemplate.objects.visible_to(current_user(request))
    return get_object_or_404(templates.select_related("organization", "category", "service", "group", "approver"), pk=template_id)


def _served_clients(request: HttpRequest) -> QuerySet[Organization]:
    access = access_for(current_user(request))
    return Organization.objects.clients().filter(pk__in=access.company_wide_client_ids).order_by("name")


def _manageable_clients(request: HttpRequest) -> QuerySet[Organization]:
    user = current_user(request)
    ids = [org.pk for org in _served_clients(request) if can_manage_services(user, org.pk)]
    return Organization.objects.filter(pk__in=ids).order_by("name")


def _groups(request: HttpRequest) -> QuerySet[TechnicianGroup]:
    return groups_visible_to(current_user(request)).order_by("name")


@staff_required
def template_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    templates = (
        RequestTemplate.objects.visible_to(user)
        .select_related("organization", "category", "service")
        .prefetch_related("clients")
        .order_by("name")
    )
    context = {"templates": templates, "can_create": permissions.can_manage_any_template(user)}
    return render(request, "catalog/template_list.html", context)


def _editor(request: HttpRequest, template: RequestTemplate | None, *, status: int = 200, **forms_: Any) -> HttpResponse:
    groups = _groups(request)
    form = forms_.get("form") or RequestTemplateForm(
        clients=_served_clients(request), manageable=_manageable_clients(request), groups=groups, template=template
    )
    questions = forms_.get("questions") or FieldFormSet(prefix="fields", initial=field_rows(template))
    tasks = forms_.get("tasks") or TaskFormSet(prefix="tasks", initial=task_rows(template), form_kwargs={"groups": groups})
    can_edit = template is None or permissions.can_manage_template(current_user(request), template)
    context = {
        "form": form,
        "questions": questions,
        "tasks": tasks,
        "template": template,
        "can_edit": can_edit,
        "section_errors": forms_.get("section_errors", {}),
    }
    return render(request, "catalog/template_form.html", context, status=status)


def _save(request: HttpRequest, template: RequestTemplate | None) -> HttpResponse:
    groups = _groups(request)
    form = RequestTemplateForm(
        request.POST, clients=_served_clients(request), manageable=_manageable_clients(request), groups=groups, template=template
    )
    questions = FieldFormSet(request.POST, prefix="fields")
    tasks = TaskFormSet(request.POST, prefix="tasks", form_kwargs={"groups": groups})
    section_errors: dict[str, list[str]] = {"fields": [], "tasks": []}
    if form.is_valid() and questions.is_valid() and tasks.is_valid():
        values = dict(form.cleaned_data)
        values["clients"] = list(values["clients"] or [])
        values["fields"], values["tasks"] = field_specs(questions), task_specs(tasks)
        user = current_user(request)
        try:
            if template is None:
                saved = template_services.create_template(by=user, **values)
                messages.success(request, _("Template “%(name)s” created.") % {"name": saved.name})
            else:
                saved = template_services.update_template(template, by=user, **values)
                messages.success(request, _("Template “%(name)s” saved.") % {"name": saved.name})
        except ServiceError as error:
            if isinstance(error, PermissionDenied):
                raise
            for name, errors in error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]:
                if name in section_errors:
                    section_errors[name].extend(errors)
                else:
                    form.add_error(name if name in form.fields else None, errors)
        else:
            return redirect("catalog:template_edit", template_id=saved.pk)
    return _editor(request, template, status=INVALID, form=form, questions=questions, tasks=tasks, section_errors=section_errors)


@staff_required
def template_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    if not permissions.can_manage_any_template(current_user(request)):
        raise PermissionDenied(template_services.refused())
    if request.method == "POST":
        return _save(request, None)
    return _editor(request, None)


@staff_required
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    template = visible_template(request, template_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    if request.method == "POST":
        if not permissions.can_manage_template(current_user(request), template):
            raise PermissionDenied(template_services.refused())
        return _save(request, template)
    return _editor(request, template)


@staff_required
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    template = visible_template(request, template_id)
    if refused := allow(request, "POST"):
        return refused
    template_services.delete_template(template, by=current_user(request))
    messages.success(request, _("Template “%(name)s” deleted.") % {"name": template.name})
    return redirect("catalog:template_list")


@staff_required
def template_preview(request: HttpRequest, template_id: int) -> HttpResponse:
    """The employee's form as the portal shows it (for the first client it is offered to)."""
    template = visible_template(request, template_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    organization = template.organization
    if organization is None:
        offered = _served_clients(request)
        if template.audience == TemplateAudience.CHOSEN_CLIENTS:
            offered = offered.filter(pk__in=template.clients.values("pk"))
        organization = offered.first()
    form = OrderForm(questions=list(template.fields.all()), organization=organization) if organization else None
    return render(request, "catalog/template_preview.html", {"template": template, "form": form, "organization": organization})
