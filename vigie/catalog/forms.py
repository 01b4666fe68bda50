"""The business service editor: typed input; the rules are ``vigie.catalog.services``'."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService, Criticality
from vigie.catalog.services import CLIENT_OWNER_ROLES, PROVIDER_OWNER_ROLES
from vigie.servicedesk.forms import VigieForm
from vigie.sla.forms import CalendarChoiceField, HoursMinutesField, StaffChoiceField, calendars_for
from vigie.sla.models import BusinessCalendar, SlaPolicy
from vigie.tenancy.models import Organization, OrganizationKind


def possible_owners(organization: Organization, current: User | None = None) -> Any:
    """The client's managers and IT contacts, the provider's administrators and service owners
    (and the current owner, chosen before that rule)."""
    people = Q(memberships__organization=organization, memberships__role__in=CLIENT_OWNER_ROLES) | Q(
        memberships__organization__kind=OrganizationKind.PROVIDER, memberships__role__in=PROVIDER_OWNER_ROLES
    )
    if current is not None:
        people |= Q(pk=current.pk)
    return User.objects.filter(is_active=True).filter(people).distinct().order_by("first_name", "last_name", "email")


if TYPE_CHECKING:
    _PolicyChoiceField = forms.ModelChoiceField[SlaPolicy]
else:
    _PolicyChoiceField = forms.ModelChoiceField


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
    rto_minutes = HoursMinutesField(
        label=_("Recovery time objective (RTO)"),
        help_text=_("How long the business can do without the service after a disaster, as hours:minutes (4:00)."),
    )
    rpo_minutes = HoursMinutesField(
        label=_("Recovery point objective (RPO)"),
        help_text=_("How much recent data may be lost, as hours:minutes (24:00 for last night's backup)."),
    )
    sla_policy = _PolicyChoiceField(
        label=_("SLA policy"), queryset=SlaPolicy.objects.none(), required=False, empty_label=_("None")
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
                    "rto_minutes": service.rto_minutes,
                    "rpo_minutes": service.rpo_minutes,
                    "sla_policy": service.sla_policy_id,
                    "is_active": service.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        owner_field: Any = self.fields["owner"]
        owner_field.queryset = possible_owners(organization, service.owner if service is not None else None)
        calendar_field: Any = self.fields["calendar"]
        calendar_field.queryset = calendars_for(organization)
        policy_field: Any = self.fields["sla_policy"]
        policy_field.queryset = SlaPolicy.objects.filter(organization=organization).order_by("order", "name")
