"""Forms of the request template editor (questions and tasks as simple formsets) and the
employee's order form built from a template's questions. The rules are the services'."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.catalog.answers import colleagues, field_key
from vigie.catalog.models import (
    ApprovalRule,
    BusinessService,
    FieldKind,
    RequestField,
    RequestTemplate,
    TaskFlow,
    TemplateAudience,
)
from vigie.catalog.template_services import FieldSpec, TaskSpec
from vigie.servicedesk.forms import VigieForm, active_categories, person_label
from vigie.servicedesk.models import Category, Level
from vigie.tenancy.models import Organization, TechnicianGroup

if TYPE_CHECKING:
    _Choice = forms.ModelChoiceField[Any]
    _MultipleChoice = forms.ModelMultipleChoiceField[Any]
else:
    _Choice = forms.ModelChoiceField
    _MultipleChoice = forms.ModelMultipleChoiceField


class PersonChoiceField(_Choice):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class ServiceChoiceField(_Choice):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organization.name})"


class RequestTemplateForm(VigieForm):
    name = forms.CharField(label=_("Name"), max_length=150)
    icon = forms.CharField(label=_("Icon"), max_length=8, required=False, help_text=_("An optional emoji, e.g. 💻."))
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    audience = forms.ChoiceField(label=_("Offered to"), choices=TemplateAudience.choices)
    organization = _Choice(label=_("Client"), queryset=Organization.objects.none(), required=False, empty_label="—")
    clients = _MultipleChoice(
        label=_("Chosen clients"), queryset=Organization.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    category = _Choice(label=_("Category"), queryset=Category.objects.none(), required=False, empty_label="—")
    service = ServiceChoiceField(
        label=_("Business service"), queryset=BusinessService.objects.none(), required=False, empty_label="—"
    )
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Level.choices, coerce=int, initial=Level.MEDIUM)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Level.choices, coerce=int, initial=Level.MEDIUM)
    group = _Choice(label=_("Assignment group"), queryset=TechnicianGroup.objects.none(), required=False, empty_label="—")
    approval = forms.ChoiceField(label=_("Approval"), choices=ApprovalRule.choices, initial=ApprovalRule.NONE)
    approver = PersonChoiceField(label=_("Named approver"), queryset=User.objects.none(), required=False, empty_label="—")
    task_flow = forms.ChoiceField(label=_("Fulfilment tasks run"), choices=TaskFlow.choices, initial=TaskFlow.SEQUENTIAL)
    is_published = forms.BooleanField(
        label=_("Published"), required=False, help_text=_("Only published templates appear in the portal catalog.")
    )

    def __init__(
        self,
        *args: Any,
        clients: QuerySet[Organization],
        manageable: QuerySet[Organization],
        groups: QuerySet[TechnicianGroup],
        template: RequestTemplate | None = None,
        **kwargs: Any,
    ) -> None:
        if template is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{
                        name: getattr(template, f"{name}_id" if name in FOREIGN_KEYS else name)
                        for name in FORM_FIELDS
                        if name != "clients"
                    },
                    "clients": list(template.clients.values_list("pk", flat=True)),
                },
            )
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["organization"].queryset = manageable
        fields["clients"].queryset = clients
        fields["category"].queryset = active_categories()
        fields["service"].queryset = (
            BusinessService.objects.filter(organization__in=manageable, is_active=True)
            .select_related("organization")
            .order_by("organization__name", "name")
        )
        fields["group"].queryset = groups
        fields["approver"].queryset = (
            User.objects.filter(is_active=True, memberships__organization__in=manageable)
            .distinct()
            .order_by("first_name", "last_name")
        )


FOREIGN_KEYS = frozenset({"organization", "category", "service", "group", "approver"})
FORM_FIELDS = list(RequestTemplateForm.base_fields)


class FieldRowForm(VigieForm):
    label = forms.CharField(label=_("Question"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=FieldKind.choices, initial=FieldKind.SHORT_TEXT)
    required = forms.BooleanField(label=_("Required"), required=False)
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    choices = forms.CharField(
        label=_("Choices (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 24})
    )


class TaskRowForm(VigieForm):
    title = forms.CharField(label=_("Task"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    group = _Choice(label=_("Group"), queryset=TechnicianGroup.objects.none(), required=False, empty_label="—")

    def __init__(self, *args: Any, groups: QuerySet[TechnicianGroup] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if groups is not None:
            group_field: Any = self.fields["group"]
            group_field.queryset = groups


FieldFormSet = formset_factory(FieldRowForm, extra=2, can_delete=True, max_num=40, validate_max=True)
TaskFormSet = formset_factory(TaskRowForm, extra=2, can_delete=True, max_num=30, validate_max=True)


def field_rows(template: RequestTemplate | None) -> list[dict[str, Any]]:
    if template is None:
        return []
    return [
        {
            "label": f.label,
            "kind": f.kind,
            "required": f.required,
            "help_text": f.help_text,
            "choices": "\n".join(f.choices),
        }
        for f in template.fields.all()
    ]


def task_rows(template: RequestTemplate | None) -> list[dict[str, Any]]:
    if template is None:
        return []
    return [{"title": t.title, "description": t.description, "group": t.group_id} for t in template.tasks.all()]


def field_specs(formset: Any) -> list[FieldSpec]:
    specs = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or not (data.get("label") or "").strip():
            continue
        choices = [line.strip() for line in (data.get("choices") or "").splitlines() if line.strip()]
        specs.append(
            FieldSpec(
                label=data["label"],
                kind=data["kind"],
                required=bool(data.get("required")),
                help_text=data.get("help_text") or "",
                choices=choices,
            )
        )
    return specs


def task_specs(formset: Any) -> list[TaskSpec]:
    specs = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or not (data.get("title") or "").strip():
            continue
        specs.append(TaskSpec(title=data["title"], description=data.get("description") or "", group=data.get("group")))
    return specs


# --- the employee's form ----------------------------------------------------------------------------


def _form_field(question: RequestField, organization: Organization) -> forms.Field:
    common: dict[str, Any] = {"label": question.label, "required": False, "help_text": question.help_text}
    kind = question.kind
    if kind == FieldKind.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == FieldKind.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if kind == FieldKind.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FieldKind.YES_NO:
        return forms.ChoiceField(choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))], **common)
    if kind == FieldKind.SINGLE_CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *[(c, c) for c in question.choices]], **common)
    if kind == FieldKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in question.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == FieldKind.USER:
        people = [("", "—"), *[(str(u.pk), person_label(u)) for u in colleagues(organization)]]
        return forms.ChoiceField(choices=people, **common)
    return forms.CharField(**common)


class OrderForm(VigieForm):
    """The template's questions as plain inputs: every check (required, kind, choices) is done by
    ``answers.check_answers`` on the server, whose errors land next to each question."""

    def __init__(self, *args: Any, questions: list[RequestField], organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            field = _form_field(question, organization)
            if question.required:
                field.widget.attrs["aria-required"] = "true"
                field.label = f"{question.label} *"
            # Choices are checked by the service with a clearer message.
            if isinstance(field, forms.ChoiceField):
                field.validate = lambda value: None  # type: ignore[method-assign]
            self.fields[field_key(question)] = field

    def raw_answers(self) -> dict[str, Any]:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {key: data.get(key) for key in self.fields}
