"""The query-string forms of the reports: the provider view's filters and the review's options."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.reports.dashboards import DashboardFilter
from vigie.reports.periods import DEFAULT_PERIOD, PERIODS, period
from vigie.servicedesk.filters import staff_serving
from vigie.servicedesk.models import Priority
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization, TechnicianGroup


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=list(PERIODS.items()), required=False)

    def chosen_period(self) -> str:
        self.is_valid()  # an invalid field is left out of cleaned_data, the others still apply
        return self.cleaned_data.get("period") or DEFAULT_PERIOD


class DashboardFilterForm(PeriodForm):
    """Narrows the provider view; the choices are only what the user serves, so a filter can
    narrow what they see but never widen it."""

    client = forms.ModelChoiceField(label=_("Client"), queryset=Organization.objects.none(), required=False, to_field_name="slug")
    group = forms.ModelChoiceField(label=_("Group"), queryset=TechnicianGroup.objects.none(), required=False)
    technician = forms.ModelChoiceField(label=_("Technician"), queryset=User.objects.none(), required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=[("", _("Any priority")), *Priority.choices], coerce=int, required=False, empty_value=None
    )

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(data)
        client_ids = access_for(user).company_wide_client_ids
        fields: Any = self.fields
        fields["client"].queryset = Organization.objects.clients().active().filter(pk__in=client_ids).order_by("name")
        fields["client"].empty_label = _("All clients")
        fields["group"].queryset = TechnicianGroup.objects.filter(clients__in=client_ids).distinct().order_by("name")
        fields["group"].empty_label = _("Any group")
        fields["technician"].queryset = staff_serving(client_ids)
        fields["technician"].empty_label = _("Anyone")

    def dashboard_filter(self) -> DashboardFilter:
        """The valid part of the query string (an invalid filter is ignored and reported on the form)."""
        self.is_valid()
        data = self.cleaned_data
        group = data.get("group")
        technician = data.get("technician")
        return DashboardFilter(
            period=period(self.chosen_period()),
            organization=data.get("client"),
            group_id=group.pk if group is not None else None,
            assignee_id=technician.pk if technician is not None else None,
            priority=data.get("priority"),
        )


class ReviewOptionsForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, required=False)
