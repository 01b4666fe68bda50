"""Suppliers, contracts and licences of the clients. Input is typed here; the rules are
``vigie.contracts.validation``'s, through the same services as the staff pages. A licence key is
write-only: it is read through ``POST /licences/{id}/reveal/``, which is recorded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.accounts.models import User
from vigie.api.base import StrictFieldsMixin, acting_user, scope_queryset
from vigie.catalog.models import BusinessService
from vigie.cmdb.models import ConfigurationItem
from vigie.contracts import services
from vigie.contracts.models import Contract, ContractStatus, Licence, Supplier
from vigie.contracts.permissions import readable_client_ids
from vigie.sla.models import BusinessCalendar
from vigie.tenancy.models import Organization


def _request_user(serializer: serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class _ClientObjectMixin:
    """The client is chosen at creation and never changes; related objects resolve only among
    what the caller can see (another tenant's id reads "does not exist")."""

    fields: Any
    instance: Any

    def _scope(self, related: dict[str, Any]) -> None:
        user = _request_user(self)  # type: ignore[arg-type]
        organization: Any = self.fields["organization"]
        organization.queryset = Organization.objects.clients().filter(pk__in=readable_client_ids(user))
        if self.instance is not None:
            organization.required = False
        for name, queryset in related.items():
            scope_queryset(self, name, queryset.filter(organization_id__in=readable_client_ids(user)))  # type: ignore[arg-type]


class SupplierSerializer(_ClientObjectMixin, StrictFieldsMixin, serializers.ModelSerializer[Supplier]):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), help_text=_("The client."))

    class Meta:
        model = Supplier
        fields = [
            "id",
            "organization",
            "name",
            "kind",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
            "support_phone",
            "support_email",
            "support_url",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []
        extra_kwargs = {"website": {"max_length": 200}, "support_url": {"max_length": 200}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope({})

    def create(self, validated_data: dict[str, Any]) -> Supplier:
        return services.create_supplier(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: Supplier, validated_data: dict[str, Any]) -> Supplier:
        return services.update_supplier(instance, by=acting_user(self.context["request"]), **validated_data)


class ContractSerializer(_ClientObjectMixin, StrictFieldsMixin, serializers.ModelSerializer[Contract]):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), help_text=_("The client."))
    supplier = serializers.PrimaryKeyRelatedField(queryset=Supplier.objects.none(), help_text=_("A supplier of the client."))
    services = serializers.PrimaryKeyRelatedField(
        queryset=BusinessService.objects.none(), many=True, required=False, help_text=_("Given, it replaces the list.")
    )
    configuration_items = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.none(), many=True, required=False, help_text=_("Given, it replaces the list.")
    )
    support_calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.none(), required=False, allow_null=True, help_text=_("Support hours.")
    )
    notice_deadline = serializers.DateField(read_only=True, help_text=_("The last day to cancel (end − notice period)."))
    yearly_cost = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=ContractStatus.choices, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "organization",
            "supplier",
            "reference",
            "title",
            "kind",
            "start_date",
            "end_date",
            "renewal",
            "renewal_months",
            "notice_days",
            "notice_deadline",
            "cost_amount",
            "currency",
            "cost_period",
            "yearly_cost",
            "services",
            "configuration_items",
            "support_calendar",
            "support_terms",
            "terminated_on",
            "status",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []
        extra_kwargs = {"currency": {"max_length": 10}, "cost_amount": {"min_value": Decimal("0")}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope(
            {
                "supplier": Supplier.objects.all(),
                "services": BusinessService.objects.all(),
                "configuration_items": ConfigurationItem.objects.all(),
            }
        )
        user = _request_user(self)
        calendars = BusinessCalendar.objects.visible_to(user) if user is not None else BusinessCalendar.objects.none()
        scope_queryset(self, "support_calendar", calendars)

    def create(self, validated_data: dict[str, Any]) -> Contract:
        return services.create_contract(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: Contract, validated_data: dict[str, Any]) -> Contract:
        return services.update_contract(instance, by=acting_user(self.context["request"]), **validated_data)


class LicenceSerializer(_ClientObjectMixin, StrictFieldsMixin, serializers.ModelSerializer[Licence]):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), help_text=_("The client."))
    supplier = serializers.PrimaryKeyRelatedField(queryset=Supplier.objects.none(), required=False, allow_null=True)
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.none(), required=False, allow_null=True)
    users = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(),
        many=True,
        required=False,
        help_text=_("Users of the client holding a seat; given, it replaces the list."),
    )
    configuration_items = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.none(),
        many=True,
        required=False,
        help_text=_("Configuration items holding a seat; given, it replaces the list."),
    )
    key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text=_("Write-only, stored encrypted; an empty text removes it. Read it with the reveal action."),
    )
    has_key = serializers.SerializerMethodField()
    seats_used = serializers.IntegerField(read_only=True)
    seats_available = serializers.IntegerField(read_only=True, allow_null=True)
    is_over_allocated = serializers.BooleanField(read_only=True)

    class Meta:
        model = Licence
        fields = [
            "id",
            "organization",
            "software",
            "supplier",
            "contract",
            "kind",
            "seats_purchased",
            "seats_used",
            "seats_available",
            "is_over_allocated",
            "expiry_date",
            "key",
            "has_key",
            "users",
            "configuration_items",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope(
            {
                "supplier": Supplier.objects.all(),
                "contract": Contract.objects.all(),
                "configuration_items": ConfigurationItem.objects.all(),
            }
        )
        from vigie.tenancy.access import users_visible_to

        user = _request_user(self)
        scope_queryset(self, "users", users_visible_to(user) if user is not None else User.objects.none())

    def get_has_key(self, licence: Licence) -> bool:
        return bool(licence.key)

    def create(self, validated_data: dict[str, Any]) -> Licence:
        return services.create_licence(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: Licence, validated_data: dict[str, Any]) -> Licence:
        return services.update_licence(instance, by=acting_user(self.context["request"]), **validated_data)


class LicenceKeySerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text=_("The licence key in clear; this reading is recorded."))
