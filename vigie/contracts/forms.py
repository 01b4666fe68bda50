"""Editors of suppliers, contracts and licences: typed input; the rules are ``vigie.contracts.validation``'s."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.cmdb.models import ConfigurationItem
from vigie.contracts.models import (
    Contract,
    ContractKind,
    CostPeriod,
    Licence,
    LicenceKind,
    Renewal,
    Supplier,
    SupplierKind,
)
from vigie.servicedesk.forms import VigieForm, person_label
from vigie.sla.forms import CalendarChoiceField, calendars_for
from vigie.sla.models import BusinessCalendar
from vigie.tenancy.models import Organization

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

if TYPE_CHECKING:
    _Users = forms.ModelMultipleChoiceField[User]
else:
    _Users = forms.ModelMultipleChoiceField


class UsersField(_Users):
    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


def _initial(instance: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in names}


class SupplierForm(VigieForm):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=SupplierKind.choices, initial=SupplierKind.OTHER)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact name"), max_length=150, required=False)
    contact_email = forms.CharField(label=_("Contact e-mail"), max_length=254, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    support_phone = forms.CharField(label=_("Support phone"), max_length=40, required=False)
    support_email = forms.CharField(label=_("Support e-mail"), max_length=254, required=False)
    support_url = forms.CharField(label=_("Support website"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, supplier: Supplier | None = None, **kwargs: Any) -> None:
        if supplier is not None:
            kwargs.setdefault("initial", _initial(supplier, list(self.base_fields)))
        super().__init__(*args, **kwargs)


class ContractForm(VigieForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Supplier.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=ContractKind.choices)
    start_date = forms.DateField(label=_("Start"), widget=DATE)
    end_date = forms.DateField(label=_("End"), widget=DATE, required=False, help_text=_("Empty for a contract without a term."))
    renewal = forms.ChoiceField(label=_("Renewal"), choices=Renewal.choices)
    renewal_months = forms.IntegerField(
        label=_("Renewal period (months)"), required=False, help_text=_("Required for a tacit renewal.")
    )
    notice_days = forms.IntegerField(
        label=_("Notice period (days)"),
        initial=0,
        min_value=0,
        help_text=_("How long before the end the supplier must be told; the notice deadline follows."),
    )
    cost_amount = forms.DecimalField(label=_("Cost"), max_digits=12, decimal_places=2, required=False)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR", help_text=_("ISO 4217 code: EUR, USD, CHF…"))
    cost_period = forms.ChoiceField(label=_("Cost period"), choices=CostPeriod.choices, initial=CostPeriod.YEARLY)
    services = forms.ModelMultipleChoiceField(
        label=_("Covered business services"), queryset=BusinessService.objects.none(), required=False
    )
    configuration_items = forms.ModelMultipleChoiceField(
        label=_("Covered configuration items"), queryset=ConfigurationItem.objects.none(), required=False
    )
    support_calendar = CalendarChoiceField(
        label=_("Support hours"), queryset=BusinessCalendar.objects.none(), required=False, empty_label=_("Not stated")
    )
    support_terms = forms.CharField(
        label=_("Support terms"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Response times, channels, what is covered."),
    )
    terminated_on = forms.DateField(
        label=_("Terminated on"), widget=DATE, required=False, help_text=_("Fill in once notice has been given.")
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, organization: Organization, contract: Contract | None = None, **kwargs: Any) -> None:
        if contract is not None:
            initial = _initial(contract, [n for n in self.base_fields if n not in ("services", "configuration_items")])
            initial["configuration_items"] = list(contract.configuration_items.values_list("pk", flat=True))
            initial["supplier"] = contract.supplier_id
            initial["support_calendar"] = contract.support_calendar_id
            initial["services"] = list(contract.services.values_list("pk", flat=True))
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        supplier: Any = self.fields["supplier"]
        supplier.queryset = Supplier.objects.filter(organization=organization).order_by("name")
        services: Any = self.fields["services"]
        services.queryset = BusinessService.objects.filter(organization=organization).order_by("name")
        calendar: Any = self.fields["support_calendar"]
        calendar.queryset = calendars_for(organization)
        items: Any = self.fields["configuration_items"]
        items.queryset = ConfigurationItem.objects.filter(organization=organization).order_by("name")


class LicenceForm(VigieForm):
    software = forms.CharField(label=_("Software"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=LicenceKind.choices)
    seats_purchased = forms.IntegerField(
        label=_("Seats purchased"), required=False, min_value=0, help_text=_("Empty for an unlimited (site) licence.")
    )
    expiry_date = forms.DateField(label=_("Expiry"), widget=DATE, required=False)
    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=Supplier.objects.none(), required=False, empty_label=_("Not stated")
    )
    contract = forms.ModelChoiceField(
        label=_("Contract"), queryset=Contract.objects.none(), required=False, empty_label=_("None")
    )
    users = UsersField(
        label=_("Assigned users"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Each user holds one seat. More seats than purchased is saved, and flagged."),
    )
    configuration_items = forms.ModelMultipleChoiceField(
        label=_("Assigned configuration items"),
        queryset=ConfigurationItem.objects.none(),
        required=False,
        help_text=_("Devices the licence is installed on; each holds one seat."),
    )
    key = forms.CharField(
        label=_("Licence key"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted. Leave empty to keep the current key."),
    )
    remove_key = forms.BooleanField(label=_("Remove the stored key"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, organization: Organization, licence: Licence | None = None, **kwargs: Any) -> None:
        if licence is not None:
            initial = _initial(licence, ["software", "kind", "seats_purchased", "expiry_date", "notes"])
            initial.update(
                supplier=licence.supplier_id,
                contract=licence.contract_id,
                users=list(licence.users.values_list("pk", flat=True)),
                configuration_items=list(licence.configuration_items.values_list("pk", flat=True)),
            )
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        supplier: Any = self.fields["supplier"]
        supplier.queryset = Supplier.objects.filter(organization=organization).order_by("name")
        contract: Any = self.fields["contract"]
        contract.queryset = Contract.objects.filter(organization=organization).order_by("title")
        items: Any = self.fields["configuration_items"]
        items.queryset = ConfigurationItem.objects.filter(organization=organization).order_by("name")
        users: Any = self.fields["users"]
        users.queryset = (
            User.objects.filter(is_active=True, memberships__organization=organization)
            .distinct()
            .order_by("first_name", "last_name", "email")
        )

    def service_values(self, *, creating: bool) -> dict[str, Any]:
        """The cleaned values as the services take them (the key only when one is typed or removed)."""
        values = dict(self.cleaned_data)
        key = values.pop("key") or ""
        remove = values.pop("remove_key")
        values["users"] = list(values["users"])
        values["configuration_items"] = list(values["configuration_items"])
        if remove:
            values["key"] = ""
        elif key or creating:
            values["key"] = key
        return values
