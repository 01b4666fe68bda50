"""The CMDB editors: typed input; the rules are ``vigie.cmdb.services``'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.catalog.forms import possible_owners
from vigie.catalog.models import BusinessService, Criticality
from vigie.cmdb.classes import DATE, INTEGER, LIST, attributes_of
from vigie.cmdb.models import (
    RECORD_FIELDS,
    CIStatus,
    ConfigurationItem,
    DataClassification,
    Hosting,
    RedundancyGroup,
    RelationKind,
)
from vigie.servicedesk.forms import VigieForm, clients_users
from vigie.sla.forms import StaffChoiceField
from vigie.tenancy.models import Organization, Site

ATTRIBUTE_PREFIX = "attr_"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COMMON_FIELDS = (
    "name",
    "status",
    "criticality",
    "owner",
    "site",
    *RECORD_FIELDS,
    "description",
    "external_id",
)


class ItemForm(VigieForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=CIStatus.choices, initial=CIStatus.IN_PRODUCTION)
    criticality = forms.TypedChoiceField(
        label=_("Criticality"), choices=Criticality.choices, coerce=int, initial=Criticality.MEDIUM
    )
    owner = StaffChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Nobody"))
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("No site"))
    serial_number = forms.CharField(label=_("Serial number"), max_length=100, required=False)
    vendor = forms.CharField(label=_("Vendor"), max_length=100, required=False)
    model = forms.CharField(label=_("Model"), max_length=100, required=False)
    purchase_date = forms.DateField(label=_("Purchase date"), required=False, widget=DATE_INPUT)
    warranty_end = forms.DateField(label=_("End of warranty"), required=False, widget=DATE_INPUT)
    end_of_support = forms.DateField(label=_("End of vendor support"), required=False, widget=DATE_INPUT)
    data_classification = forms.ChoiceField(
        label=_("Data classification"), choices=DataClassification.choices, initial=DataClassification.INTERNAL
    )
    hosting = forms.ChoiceField(label=_("Hosting"), choices=Hosting.choices, initial=Hosting.ON_PREMISES)
    hosting_provider = forms.CharField(label=_("Hosting provider"), max_length=100, required=False)
    hosting_country = forms.CharField(
        label=_("Hosting country"), max_length=2, required=False, help_text=_("Two-letter ISO 3166 code, e.g. FR.")
    )
    hosting_jurisdiction = forms.CharField(
        label=_("Jurisdiction"), max_length=60, required=False, help_text=_("e.g. EU, or US (extraterritorial).")
    )
    users = forms.ModelMultipleChoiceField(label=_("Users"), queryset=User.objects.none(), required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    external_id = forms.CharField(label=_("External identifier"), max_length=100, required=False)

    def __init__(
        self, *args: Any, organization: Organization, ci_class: str, item: ConfigurationItem | None = None, **kwargs: Any
    ) -> None:
        if item is not None:
            initial = {name: getattr(item, name) for name in COMMON_FIELDS}
            initial["owner"] = item.owner_id
            initial["site"] = item.site_id
            initial["users"] = list(item.users.values_list("pk", flat=True))
            for attribute in attributes_of(item.ci_class):
                value = item.attributes.get(attribute.name, "")
                initial[ATTRIBUTE_PREFIX + attribute.name] = ", ".join(value) if isinstance(value, list) else value
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.ci_class = ci_class
        fields: Any = self.fields
        fields["owner"].queryset = possible_owners(organization)
        fields["site"].queryset = Site.objects.filter(organization=organization).order_by("name")
        fields["users"].queryset = clients_users(organization)
        for attribute in attributes_of(ci_class):
            name = ATTRIBUTE_PREFIX + attribute.name
            if attribute.kind == INTEGER:
                self.fields[name] = forms.IntegerField(label=str(attribute.label), required=attribute.required, min_value=0)
            elif attribute.kind == DATE:
                self.fields[name] = forms.DateField(label=str(attribute.label), required=attribute.required, widget=DATE_INPUT)
            else:
                help_text = _("Separate entries with commas.") if attribute.kind == LIST else ""
                self.fields[name] = forms.CharField(
                    label=str(attribute.label), required=attribute.required, max_length=300, help_text=help_text
                )

    @property
    def attribute_fields(self) -> list[Any]:
        return [self[ATTRIBUTE_PREFIX + attribute.name] for attribute in attributes_of(self.ci_class)]

    def service_values(self) -> dict[str, Any]:
        """The cleaned data as ``services.create_item``/``update_item`` keywords."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in COMMON_FIELDS}
        for name in COMMON_FIELDS:
            if values[name] is None and isinstance(self.fields[name], forms.CharField):
                values[name] = ""
        attributes = {}
        for attribute in attributes_of(self.ci_class):
            value = data.get(ATTRIBUTE_PREFIX + attribute.name)
            if value not in (None, ""):
                attributes[attribute.name] = value
        values["attributes"] = attributes
        values["users"] = list(data.get("users") or [])
        return values


DATALIST_SIZE = 500


class ItemByNameField(forms.CharField):
    """A CI of one client, typed by name (a select of thousands of CIs would be slow to render
    and to use); ``suggestions`` feed an HTML ``<datalist>``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)
        self.organization_id = 0
        self.exclude_pk: int | None = None

    def bind(self, organization_id: int, list_id: str, exclude_pk: int | None = None) -> None:
        self.organization_id, self.exclude_pk = organization_id, exclude_pk
        self.widget.attrs.update({"list": list_id, "autocomplete": "off"})

    def suggestions(self) -> list[str]:
        items = ConfigurationItem.objects.filter(organization_id=self.organization_id)
        if self.exclude_pk:
            items = items.exclude(pk=self.exclude_pk)
        return list(items.order_by("name").values_list("name", flat=True).distinct()[:DATALIST_SIZE])

    def clean(self, value: Any) -> Any:
        name = str(super().clean(value) or "").strip()
        matches = list(ConfigurationItem.objects.filter(organization_id=self.organization_id, name__iexact=name)[:2])
        if not matches:
            raise forms.ValidationError(_("No configuration item of this client is named “%(name)s”.") % {"name": name})
        if len(matches) > 1:
            raise forms.ValidationError(_("Several configuration items are named “%(name)s”; rename one first.") % {"name": name})
        return matches[0]


class RelationForm(VigieForm):
    OUTGOING = "outgoing"
    INCOMING = "incoming"
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[(OUTGOING, _("This item → the other")), (INCOMING, _("The other → this item"))],
        initial=OUTGOING,
    )
    kind = forms.ChoiceField(label=_("Relation"), choices=RelationKind.choices)
    other = ItemByNameField(label=_("Other configuration item"), help_text=_("Its name."))
    redundancy_group = forms.ModelChoiceField(
        label=_("Redundancy group"), queryset=RedundancyGroup.objects.none(), required=False, empty_label=_("None")
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args: Any, item: ConfigurationItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["other"].bind(item.organization_id, "cmdb-other-names", exclude_pk=item.pk)
        fields["redundancy_group"].queryset = RedundancyGroup.objects.filter(organization_id=item.organization_id)


class ComponentForm(VigieForm):
    service = forms.ModelChoiceField(label=_("Business service"), queryset=BusinessService.objects.none())
    redundancy_group = forms.ModelChoiceField(
        label=_("Redundancy group"), queryset=RedundancyGroup.objects.none(), required=False, empty_label=_("None")
    )

    def __init__(self, *args: Any, item: ConfigurationItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["service"].queryset = BusinessService.objects.filter(organization_id=item.organization_id).order_by("name")
        fields["redundancy_group"].queryset = RedundancyGroup.objects.filter(organization_id=item.organization_id)


class GroupForm(VigieForm):
    name = forms.CharField(label=_("Name"), max_length=150)
    minimum_up = forms.IntegerField(
        label=_("Members needed"),
        min_value=1,
        max_value=1000,
        initial=1,
        help_text=_("The dependant stays up while at least this many members are up."),
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class TicketLinkForm(VigieForm):
    configuration_item = ItemByNameField(label=_("Configuration item"), help_text=_("Its name."))

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["configuration_item"]
        field.bind(organization_id, "ticket-ci-names")


class ImportForm(VigieForm):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, comma-separated, the columns of the export."))
    dry_run = forms.BooleanField(label=_("Check only (dry run)"), required=False, initial=True)
