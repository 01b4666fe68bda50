"""Forms of the problem pages: typed input and the choices that make sense for the problem's
client; the services (``vigie.problems.services`` and ``lifecycle``) decide and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.changes.models import Change
from vigie.problems.models import Problem, ProblemStatus
from vigie.servicedesk.forms import VigieForm, person_label
from vigie.servicedesk.models import Category, Level, Ticket
from vigie.tenancy.models import PROVIDER_ROLES, Organization, OrganizationKind, Role, TechnicianGroup

REFERENCE = re.compile(r"[A-Za-z]+-\d{1,9}")


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


def possible_managers(organization: Organization) -> QuerySet[User]:
    """Problem managers and administrators of the provider who serve this client."""
    served = User.objects.filter(
        is_active=True,
        memberships__organization__kind=OrganizationKind.PROVIDER,
        memberships__role__in=[Role.PROBLEM_MANAGER, Role.ADMIN],
    )
    admins = served.filter(memberships__role=Role.ADMIN)
    serving = served.filter(technician_groups__clients=organization)
    return (admins | serving).distinct().order_by("first_name", "last_name", "email")


def possible_staff() -> QuerySet[User]:
    return (
        User.objects.filter(
            is_active=True, memberships__organization__kind=OrganizationKind.PROVIDER, memberships__role__in=PROVIDER_ROLES
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


def parse_references(raw: str) -> list[str]:
    """``inc-12, INC-000013`` → ``["INC-000012", "INC-000013"]`` (order kept, duplicates dropped)."""
    found = []
    for match in REFERENCE.findall(raw or ""):
        prefix, _sep, number = match.upper().partition("-")
        found.append(f"{prefix}-{int(number):06d}")
    return list(dict.fromkeys(found))


class IncidentsField(forms.CharField):
    """Ticket references, separated by spaces, commas or new lines; resolved by the form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2, "placeholder": "INC-000012, INC-000013"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        references = parse_references(text)
        if text and not references:
            raise forms.ValidationError(_("Give incident references such as INC-000012."))
        return references


def resolve_incidents(references: list[str], user: User) -> tuple[list[Ticket], list[str]]:
    """The visible tickets with these references, and the references nobody may see or that do not exist."""
    found = {
        t.reference: t for t in Ticket.objects.visible_to(user).filter(reference__in=references).select_related("organization")
    }
    return [found[r] for r in references if r in found], [r for r in references if r not in found]


def clean_incident_references(form: forms.Form, user: User) -> None:
    """Turn the ``incidents`` references into visible tickets; unknown ones are a field error."""
    references = form.cleaned_data.get("incidents") or []
    tickets, unknown = resolve_incidents(references, user)
    if unknown:
        form.add_error("incidents", _("Unknown incident: %(references)s.") % {"references": ", ".join(unknown)})
    form.cleaned_data["incidents"] = tickets


class ProblemForm(VigieForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Level.choices, coerce=int, initial=Level.MEDIUM)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Level.choices, coerce=int, initial=Level.MEDIUM)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False)
    manager = PersonChoiceField(label=_("Problem manager"), queryset=User.objects.none(), required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=TechnicianGroup.objects.none(), required=False)
    services = forms.ModelMultipleChoiceField(
        label=_("Affected business services"),
        queryset=BusinessService.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    incidents = IncidentsField(label=_("Incidents"), required=False, help_text=_("References of the incidents it explains."))

    def __init__(self, *args: Any, organization: Organization, user: User, with_incidents: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        fields: Any = self.fields
        fields["manager"].queryset = possible_managers(organization)
        fields["group"].queryset = TechnicianGroup.objects.filter(clients=organization).order_by("name")
        fields["services"].queryset = BusinessService.objects.filter(organization=organization, is_active=True)
        if not with_incidents:
            del self.fields["incidents"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "incidents" in self.fields:
            clean_incident_references(self, self.user)
        return cleaned


class LinkForm(VigieForm):
    incidents = IncidentsField(label=_("Incidents to link"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        clean_incident_references(self, self.user)
        return cleaned


class UnlinkForm(VigieForm):
    incident = forms.CharField(max_length=20)


class RootCauseForm(VigieForm):
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 4}))
    workaround = forms.CharField(
        label=_("Workaround"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("How users can keep working meanwhile, if known."),
    )


class KnownErrorForm(VigieForm):
    title = forms.CharField(label=_("Title"), max_length=200, required=False, help_text=_("Empty: the problem's title."))
    symptoms = forms.CharField(label=_("Symptoms"), widget=forms.Textarea(attrs={"rows": 3}))
    workaround = forms.CharField(label=_("Workaround"), widget=forms.Textarea(attrs={"rows": 4}))
    notify_requesters = forms.BooleanField(
        label=_("Also send the workaround to the requesters (public reply)"),
        required=False,
        help_text=_("Every open linked incident gets it as an internal note in any case."),
    )


class ResolveForm(VigieForm):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}))
    change = forms.ModelChoiceField(
        label=_("Resolved by change"),
        queryset=Change.objects.none(),
        required=False,
        help_text=_("The change that fixed the root cause, if any."),
    )
    resolve_incidents = forms.BooleanField(label=_("Resolve the open linked incidents too"), required=False)
    incident_resolution = forms.CharField(
        label=_("Resolution text for the incidents"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Empty: the problem's resolution."),
    )

    def __init__(self, *args: Any, problem: Problem, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["change"]
        field.queryset = Change.objects.visible_to(user).filter(organization_id=problem.organization_id).order_by("-created_at")


class StatusActionForm(VigieForm):
    action = forms.ChoiceField(
        choices=[("investigate", "investigate"), ("close", "close"), ("cancel", "cancel"), ("reopen", "reopen")]
    )


class ProblemFilterForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Organization.objects.none(), required=False)
    status = forms.ChoiceField(choices=[("", ""), ("open", ""), *ProblemStatus.choices], required=False)
    manager = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    workaround = forms.ChoiceField(choices=[("", ""), ("yes", ""), ("no", "")], required=False)
    q = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, clients: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["client"].queryset = clients
        fields["manager"].queryset = possible_staff()
