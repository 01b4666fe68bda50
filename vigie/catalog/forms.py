"""The business service editor: typed input; the rules are ``vigie.catalog.services``'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService, Criticality
from vigie.servicedesk.forms import VigieForm
from vigie.sla.forms import CalendarChoiceField, StaffChoiceField, calendars_for
from vigie.sla.models import BusinessCalendar
from vigie.tenancy.models import PROVIDER_ROLES, Organization, OrganizationKind


def possible_owners(organization: Organization) -> Any:
    """Members of the client and the provider's staff."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__organization=organization)
            | Q(memberships__organization__kind=OrganizationKind.PROVIDER, memberships__role__in=PROVIDER_ROLES)
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


class BusinessServiceForm(VigieForm):
    name = forms.CharField(label=_("Name"), max_length=150)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = StaffChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Nobody"))
    criticality = forms.TypedChoiceField(
        label=_("Criticality"), choices=Criticality.choices, coerce=int, initial=Criticality.MEDIUM
    )
    hourly_downtime_cost = forms.DecimalField(
        label=_("Hourly cost of downtime (€)"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("What an hour without the service costs the company: lost sales, idle staff. Used in reviews and risks."),
    )
    calendar = CalendarChoiceField(
        label=_("Service hours"),
        queryset=BusinessCalendar.objects.none(),
        required=False,
        empty_label=_("Around the clock"),
        help_text=_("The hours the service must be available; availability is measured on them."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, organization: Organization, service: BusinessService | None = None, **kwargs: Any) -> None:
        if service is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": service.name,
                    "description": service.description,
                    "owner": service.owner_id,
                    "criticality": service.criticality,
                    "hourly_downtime_cost": service.hourly_downtime_cost,
                    "calendar": service.calendar_id,
                    "is_active": service.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        owner_field: Any = self.fields["owner"]
        owner_field.queryset = possible_owners(organization)
        calendar_field: Any = self.fields["calendar"]
        calendar_field.queryset = calendars_for(organization)
