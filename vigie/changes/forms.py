"""Forms of the change pages: typed input; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.changes.models import (
    Change,
    ChangeStatus,
    ChangeTemplate,
    ChangeType,
    ClientApproval,
    Decision,
    ReviewOutcome,
    RiskLevel,
    RiskQuestion,
)
from vigie.cmdb.models import ConfigurationItem
from vigie.servicedesk.forms import VigieForm
from vigie.sla.forms import StaffChoiceField
from vigie.tenancy.models import PROVIDER_ROLES, Organization, OrganizationKind, TechnicianGroup

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class WindowInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def window_field(label: Any, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=WindowInput(), input_formats=[DATETIME_FORMAT])


def provider_staff() -> QuerySet[User]:
    return (
        User.objects.filter(
            is_active=True,
            memberships__organization__kind=OrganizationKind.PROVIDER,
            memberships__role__in=PROVIDER_ROLES,
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


class ChangeForm(VigieForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    type = forms.ChoiceField(label=_("Type"), choices=ChangeType.choices, initial=ChangeType.NORMAL)
    template = forms.ModelChoiceField(
        label=_("Standard change template"),
        queryset=ChangeTemplate.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("A standard change is made from a pre-approved template; its plans are copied."),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text=_("The business justification.")
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    implementation_plan = forms.CharField(
        label=_("Implementation plan"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    backout_plan = forms.CharField(label=_("Back-out plan"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    test_plan = forms.CharField(label=_("Test plan"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = StaffChoiceField(label=_("Change owner"), queryset=User.objects.none(), required=False, empty_label=_("Nobody yet"))
    group = forms.ModelChoiceField(label=_("Group"), queryset=TechnicianGroup.objects.none(), required=False)
    services = forms.ModelMultipleChoiceField(
        label=_("Affected business services"),
        queryset=BusinessService.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    configuration_items = forms.ModelMultipleChoiceField(
        label=_("Affected configuration items"),
        queryset=ConfigurationItem.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    client_approval = forms.ChoiceField(label=_("Client approval"), choices=ClientApproval.choices)
    expected_downtime_minutes = forms.IntegerField(label=_("Expected downtime (minutes)"), required=False, min_value=0)
    planned_start = window_field(_("Planned start"))
    planned_end = window_field(_("Planned end"))

    def __init__(self, *args: Any, organization: Organization, user: User, change: Change | None = None, **kwargs: Any) -> None:
        if change is not None:
            initial = {name: getattr(change, name) for name in ("title", "type", "reason", "description")}
            initial.update(
                {
                    name: getattr(change, name)
                    for name in (
                        "implementation_plan",
                        "backout_plan",
                        "test_plan",
                        "client_approval",
                        "expected_downtime_minutes",
                        "planned_start",
                        "planned_end",
                    )
                }
            )
            initial.update(
                template=change.template_id,
                owner=change.owner_id,
                group=change.group_id,
                services=list(change.services.values_list("pk", flat=True)),
                configuration_items=list(change.configuration_items.values_list("pk", flat=True)),
            )
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["template"].queryset = ChangeTemplate.objects.active().usable_for(organization).order_by("name")
        fields["owner"].queryset = provider_staff()
        fields["group"].queryset = TechnicianGroup.objects.filter(organization__kind=OrganizationKind.PROVIDER).order_by("name")
        fields["services"].queryset = BusinessService.objects.filter(organization=organization, is_active=True).order_by("name")
        fields["configuration_items"].queryset = (
            ConfigurationItem.objects.visible_to(user).filter(organization=organization).order_by("name")
        )


class RiskForm(VigieForm):
    """One radio group per active question."""

    def __init__(self, *args: Any, questions: list[RiskQuestion], current: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.label,
                choices=[(choice.pk, choice.label) for choice in question.choices.all()],
                coerce=int,
                widget=forms.RadioSelect,
                initial=current.get(question.pk),
                help_text=question.help_text,
            )

    def answers(self) -> dict[int, int]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items() if name.startswith("q")}


class DecisionForm(VigieForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required when you reject."),
    )


class ActionForm(VigieForm):
    action = forms.CharField(widget=forms.HiddenInput)
    override_freeze = forms.BooleanField(label=_("Override the freeze period"), required=False)
    override_reason = forms.CharField(
        label=_("Reason for the override"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *ReviewOutcome.choices], required=False)
    notes = forms.CharField(label=_("Lessons learned"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class IncidentForm(VigieForm):
    reference = forms.CharField(label=_("Ticket reference"), max_length=20, help_text=_("For example INC-000042."))


class FreezeForm(VigieForm):
    organization = forms.ModelChoiceField(
        label=_("Applies to"), queryset=Organization.objects.none(), empty_label=None, help_text=_("The provider: every client.")
    )
    name = forms.CharField(label=_("Name"), max_length=150)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    starts_at = window_field(_("Starts at"), required=True)
    ends_at = window_field(_("Ends at"), required=True)

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organization"]
        field.queryset = organizations


class FilterForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Organization.objects.none(), required=False)
    status = forms.ChoiceField(choices=[("", ""), ("open", ""), *ChangeStatus.choices], required=False)
    type = forms.ChoiceField(choices=[("", ""), *ChangeType.choices], required=False)
    risk = forms.ChoiceField(choices=[("", ""), *RiskLevel.choices], required=False)
    window_from = forms.DateField(required=False)
    window_to = forms.DateField(required=False)

    def __init__(self, *args: Any, clients: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["client"]
        field.queryset = clients
