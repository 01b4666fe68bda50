"""Writes on request templates: checked whole (the template, its questions, its tasks), then
written in one transaction with the actor in the audit trail. Given lists of questions or
tasks replace the template's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.catalog import permissions
from vigie.catalog.models import (
    CHOICE_KINDS,
    ApprovalRule,
    BusinessService,
    FieldKind,
    FulfilmentTaskTemplate,
    RequestField,
    RequestTemplate,
    TaskFlow,
    TemplateAudience,
)
from vigie.core.audit import acting_as
from vigie.servicedesk.models import Category, Level
from vigie.tenancy.models import Membership, Organization, OrganizationKind, TechnicianGroup

MAX_FIELDS = 40
MAX_TASKS = 30
MAX_CHOICES = 50
CHOICE_MAX_LENGTH = 100


@dataclass(frozen=True)
class FieldSpec:
    label: str
    kind: str = FieldKind.SHORT_TEXT
    required: bool = False
    help_text: str = ""
    choices: Sequence[str] = field(default_factory=list)


@dataclass(frozen=True)
class TaskSpec:
    title: str
    description: str = ""
    group: TechnicianGroup | None = None


TEMPLATE_FIELDS = (
    "audience",
    "organization",
    "clients",
    "name",
    "description",
    "icon",
    "category",
    "service",
    "impact",
    "urgency",
    "group",
    "approval",
    "approver",
    "task_flow",
    "is_published",
)


def refused() -> str:
    return _("Only administrators, and service owners for the clients they serve, can change request templates.")


def _check_fields(specs: Sequence[FieldSpec]) -> tuple[list[FieldSpec], list[str]]:
    errors: list[str] = []
    cleaned: list[FieldSpec] = []
    if len(specs) > MAX_FIELDS:
        errors.append(_("%(count)s questions at most.") % {"count": MAX_FIELDS})
    for number, spec in enumerate(specs, start=1):
        prefix = _("Question %(number)s") % {"number": number}
        label = (spec.label or "").strip()
        if not label:
            errors.append(_("%(question)s: a label is required.") % {"question": prefix})
        elif len(label) > 150:
            errors.append(_("%(question)s: 150 characters at most.") % {"question": prefix})
        if spec.kind not in FieldKind.values:
            errors.append(_("%(question)s: unknown kind “%(kind)s”.") % {"question": prefix, "kind": spec.kind})
        help_text = (spec.help_text or "").strip()
        if len(help_text) > 300:
            errors.append(_("%(question)s: the help text is 300 characters at most.") % {"question": prefix})
        choices: list[str] = []
        if spec.kind in CHOICE_KINDS:
            for choice in spec.choices:
                text = str(choice).strip()
                if text and text not in choices:
                    choices.append(text)
            if not choices:
                errors.append(_("%(question)s: give the choices, one per line.") % {"question": prefix})
            elif len(choices) > MAX_CHOICES or any(len(c) > CHOICE_MAX_LENGTH for c in choices):
                errors.append(
                    _("%(question)s: %(count)s choices of %(length)s characters at most.")
                    % {"question": prefix, "count": MAX_CHOICES, "length": CHOICE_MAX_LENGTH}
                )
        cleaned.append(FieldSpec(label=label, kind=spec.kind, required=bool(spec.required), help_text=help_text, choices=choices))
    return cleaned, errors


def _check_tasks(specs: Sequence[TaskSpec], client: Organization | None) -> tuple[list[TaskSpec], list[str]]:
    errors: list[str] = []
    cleaned: list[TaskSpec] = []
    if len(specs) > MAX_TASKS:
        errors.append(_("%(count)s tasks at most.") % {"count": MAX_TASKS})
    for number, spec in enumerate(specs, start=1):
        prefix = _("Task %(number)s") % {"number": number}
        title = (spec.title or "").strip()
        if not title:
            errors.append(_("%(task)s: a title is required.") % {"task": prefix})
        elif len(title) > 200:
            errors.append(_("%(task)s: 200 characters at most.") % {"task": prefix})
        if spec.group is not None and client is not None and not spec.group.clients.filter(pk=client.pk).exists():
            errors.append(
                _("%(task)s: the group %(group)s does not serve %(client)s.")
                % {"task": prefix, "group": spec.group.name, "client": client.name}
            )
        cleaned.append(TaskSpec(title=title, description=(spec.description or "").strip(), group=spec.group))
    return cleaned, errors


def _check(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    cleaned = dict(values)
    audience = values["audience"]
    organization: Organization | None = values["organization"]
    clients: list[Organization] = list(values["clients"] or [])
    if audience not in TemplateAudience.values:
        add("audience", _("Choose who the template is offered to."))
    if audience == TemplateAudience.ONE_CLIENT:
        if organization is None:
            add("organization", _("Choose the client this template is for."))
        elif organization.kind != OrganizationKind.CLIENT:
            add("organization", _("Templates are offered to client companies."))
        clients = []
    else:
        organization = None
    if audience == TemplateAudience.CHOSEN_CLIENTS:
        if not clients:
            add("clients", _("Choose at least one client."))
        if any(client.kind != OrganizationKind.CLIENT for client in clients):
            add("clients", _("Templates are offered to client companies."))
    elif audience != TemplateAudience.ONE_CLIENT:
        clients = []
    cleaned["organization"], cleaned["clients"] = organization, clients
    name = (values["name"] or "").strip()
    cleaned["name"] = name
    if not name:
        add("name", _("A name is required."))
    elif len(name) > 150:
        add("name", _("150 characters at most."))
    cleaned["description"] = (values["description"] or "").strip()
    icon = (values["icon"] or "").strip()
    if len(icon) > 8:
        add("icon", _("One emoji or a few characters at most."))
    cleaned["icon"] = icon
    category: Category | None = values["category"]
    if category is not None and not category.is_active:
        add("category", _("This category is no longer in use."))
    service: BusinessService | None = values["service"]
    if service is not None and (organization is None or service.organization_id != organization.pk):
        add("service", _("A business service belongs to one client: link it from a template of that client only."))
    for name_ in ("impact", "urgency"):
        if values[name_] not in Level.values:
            add(name_, _("Choose high, medium or low."))
    group: TechnicianGroup | None = values["group"]
    if group is not None and organization is not None and not group.clients.filter(pk=organization.pk).exists():
        add("group", _("The group %(group)s does not serve %(client)s.") % {"group": group.name, "client": organization.name})
    approval = values["approval"]
    approver: User | None = values["approver"]
    if approval not in ApprovalRule.values:
        add("approval", _("Unknown approval rule."))
    if approval == ApprovalRule.NAMED:
        if organization is None:
            add("approver", _("A named approver is chosen on a template of one client only."))
        elif approver is None:
            add("approver", _("Choose the approver."))
        elif not Membership.objects.filter(user=approver, organization=organization).exists() or not approver.is_active:
            add("approver", _("The approver must be an active member of %(client)s.") % {"client": organization.name})
    else:
        cleaned["approver"] = None
    if values["task_flow"] not in TaskFlow.values:
        add("task_flow", _("Choose how the tasks follow one another."))
    cleaned["is_published"] = bool(values["is_published"])
    if values.get("fields") is not None:
        cleaned["fields"], field_errors = _check_fields(values["fields"])
        if field_errors:
            errors["fields"] = field_errors
    if values.get("tasks") is not None:
        cleaned["tasks"], task_errors = _check_tasks(values["tasks"], organization)
        if task_errors:
            errors["tasks"] = task_errors
    if errors:
        raise ValidationError(errors)
    return cleaned


def _write(template: RequestTemplate, cleaned: dict[str, Any]) -> RequestTemplate:
    clients = cleaned.pop("clients")
    field_specs: list[FieldSpec] | None = cleaned.pop("fields", None)
    task_specs: list[TaskSpec] | None = cleaned.pop("tasks", None)
    for name, value in cleaned.items():
        setattr(template, name, value)
    template.save()
    template.clients.set(clients)
    if field_specs is not None:
        template.fields.all().delete()
        RequestField.objects.bulk_create(
            RequestField(
                template=template,
                label=spec.label,
                kind=spec.kind,
                required=spec.required,
                help_text=spec.help_text,
                choices=list(spec.choices),
                order=index,
            )
            for index, spec in enumerate(field_specs, start=1)
        )
    if task_specs is not None:
        template.tasks.all().delete()
        FulfilmentTaskTemplate.objects.bulk_create(
            FulfilmentTaskTemplate(template=template, title=spec.title, description=spec.description, group=spec.group, order=i)
            for i, spec in enumerate(task_specs, start=1)
        )
    return template


def create_template(
    *,
    by: User,
    name: str,
    audience: str = TemplateAudience.ALL_CLIENTS,
    organization: Organization | None = None,
    clients: Iterable[Organization] = (),
    description: str = "",
    icon: str = "",
    category: Category | None = None,
    service: BusinessService | None = None,
    impact: int = Level.MEDIUM,
    urgency: int = Level.MEDIUM,
    group: TechnicianGroup | None = None,
    approval: str = ApprovalRule.NONE,
    approver: User | None = None,
    task_flow: str = TaskFlow.SEQUENTIAL,
    is_published: bool = False,
    fields: Sequence[FieldSpec] = (),
    tasks: Sequence[TaskSpec] = (),
) -> RequestTemplate:
    """A request template, with its questions and fulfilment tasks."""
    if not permissions.can_manage_template_for(by, audience, getattr(organization, "pk", None)):
        raise PermissionDenied(refused())
    arguments = dict(locals())
    values = {key: arguments[key] for key in TEMPLATE_FIELDS}
    values["fields"], values["tasks"] = list(fields), list(tasks)
    cleaned = _check(values)
    with transaction.atomic(), acting_as(by):
        return _write(RequestTemplate(), cleaned)


def update_template(template: RequestTemplate, *, by: User, **changes: Any) -> RequestTemplate:
    """Change a template; ``fields`` or ``tasks``, when given, replace the lists. Requests already
    ordered keep the questions and answers they were ordered with."""
    if not permissions.can_manage_template(by, template):
        raise PermissionDenied(refused())
    unknown = sorted(set(changes) - set(TEMPLATE_FIELDS) - {"fields", "tasks"})
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    values = {name: getattr(template, name) for name in TEMPLATE_FIELDS if name != "clients"}
    values["clients"] = list(template.clients.all())
    values.update(changes)
    if not permissions.can_manage_template_for(by, values["audience"], getattr(values["organization"], "pk", None)):
        raise PermissionDenied(refused())
    cleaned = _check(values)
    with transaction.atomic(), acting_as(by):
        locked = RequestTemplate.objects.select_for_update().get(pk=template.pk)
        return _write(locked, cleaned)


def delete_template(template: RequestTemplate, *, by: User) -> None:
    """Requests ordered from it keep their answers, tasks and the template's name."""
    if not permissions.can_manage_template(by, template):
        raise PermissionDenied(refused())
    with transaction.atomic(), acting_as(by):
        template.delete()
