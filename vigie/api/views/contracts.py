"""Suppliers, contracts and licences (``/api/v1/suppliers/``, ``/contracts/``, ``/licences/``).

Read: provider staff serving the client, the client's manager and IT contact; another tenant's
object (and, for a requester, every object) is a 404. Write: the provider's administrators, and
service owners for the clients they serve. A licence key is never in a response except from
``POST /licences/{id}/reveal/``, which every reader may call and which is recorded.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.api.base import EmptySerializer, acting_user
from vigie.api.filters import visible_organizations
from vigie.api.serializers.contracts import (
    ContractSerializer,
    LicenceKeySerializer,
    LicenceSerializer,
    SupplierSerializer,
)
from vigie.api.views.sla import ConfigurationViewSet
from vigie.contracts import permissions as contract_permissions
from vigie.contracts import services
from vigie.contracts.models import (
    Contract,
    ContractKind,
    ContractStatus,
    Licence,
    LicenceKind,
    Supplier,
    SupplierKind,
)
from vigie.tenancy.models import Role

WRITERS = frozenset({Role.ADMIN, Role.SERVICE_OWNER})


class _ContractsViewSet(ConfigurationViewSet):
    writer_roles = WRITERS
    can_manage = staticmethod(contract_permissions.can_manage)

    def readable(self, queryset: Any) -> Any:
        return queryset.visible_to(self.request.user)


class SupplierFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    kind = filters.ChoiceFilter(choices=SupplierKind.choices)

    class Meta:
        model = Supplier
        fields = ["organization", "kind"]


@extend_schema_view(
    list=extend_schema(summary=_("Suppliers of the clients the caller can see")),
    retrieve=extend_schema(summary=_("One supplier")),
    create=extend_schema(summary=_("Create a supplier (administrators, service owners)")),
    update=extend_schema(summary=_("Replace a supplier (administrators, service owners)")),
    partial_update=extend_schema(summary=_("Change a supplier (administrators, service owners)")),
    destroy=extend_schema(summary=_("Delete a supplier no contract or licence names")),
)
class SupplierViewSet(_ContractsViewSet):
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["organization__name", "name"]

    def get_queryset(self) -> QuerySet[Supplier]:
        return self.readable(Supplier.objects.all())  # type: ignore[no-any-return]

    def perform_destroy(self, instance: Supplier) -> None:
        services.delete_supplier(instance, by=acting_user(self.request))


class ContractFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    supplier = filters.NumberFilter(field_name="supplier_id", label=_("Supplier (id)"))
    kind = filters.ChoiceFilter(choices=ContractKind.choices)
    status = filters.ChoiceFilter(choices=ContractStatus.choices, method="filter_status")
    expiring_within = filters.NumberFilter(
        method="filter_within", min_value=0, max_value=3650, label=_("Notice deadline or end within this many days")
    )

    class Meta:
        model = Contract
        fields = ["organization", "supplier", "kind", "renewal"]

    def filter_status(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.with_status(value, timezone.localdate()) if value else queryset

    def filter_within(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset if value is None else queryset.deadline_within(timezone.localdate(), int(value))


@extend_schema_view(
    list=extend_schema(summary=_("Contracts of the clients the caller can see")),
    retrieve=extend_schema(summary=_("One contract, with its notice deadline, yearly cost and status")),
    create=extend_schema(summary=_("Create a contract (administrators, service owners)")),
    update=extend_schema(summary=_("Replace a contract (administrators, service owners)")),
    partial_update=extend_schema(summary=_("Change a contract (administrators, service owners)")),
    destroy=extend_schema(summary=_("Delete a contract (its licences stay, without it)")),
)
class ContractViewSet(_ContractsViewSet):
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ["title", "start_date", "end_date", "notice_deadline", "created_at"]
    ordering = ["organization__name", "end_date", "title"]

    def get_queryset(self) -> QuerySet[Contract]:
        return self.readable(Contract.objects.prefetch_related("services"))  # type: ignore[no-any-return]

    def perform_destroy(self, instance: Contract) -> None:
        services.delete_contract(instance, by=acting_user(self.request))


class LicenceFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    supplier = filters.NumberFilter(field_name="supplier_id", label=_("Supplier (id)"))
    contract = filters.NumberFilter(field_name="contract_id", label=_("Contract (id)"))
    kind = filters.ChoiceFilter(choices=LicenceKind.choices)
    expiring_within = filters.NumberFilter(
        method="filter_within", min_value=0, max_value=3650, label=_("Expiry within this many days")
    )
    over_allocated = filters.BooleanFilter(method="filter_over", label=_("More seats assigned than purchased"))

    class Meta:
        model = Licence
        fields = ["organization", "supplier", "contract", "kind"]

    def filter_within(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset if value is None else queryset.expiring_within(timezone.localdate(), int(value))

    def filter_over(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        over = queryset.over_allocated().values("pk")
        return queryset.filter(pk__in=over) if value else queryset.exclude(pk__in=over)


@extend_schema_view(
    list=extend_schema(summary=_("Licences of the clients the caller can see (keys never included)")),
    retrieve=extend_schema(summary=_("One licence, with its seats used and available")),
    create=extend_schema(summary=_("Create a licence (administrators, service owners)")),
    update=extend_schema(summary=_("Replace a licence (administrators, service owners)")),
    partial_update=extend_schema(summary=_("Change a licence; a given key replaces the stored one")),
    destroy=extend_schema(summary=_("Delete a licence (administrators, service owners)")),
)
class LicenceViewSet(_ContractsViewSet):
    serializer_class = LicenceSerializer
    filterset_class = LicenceFilter
    ordering_fields = ["software", "expiry_date", "created_at"]
    ordering = ["organization__name", "software"]

    def get_queryset(self) -> QuerySet[Licence]:
        return self.readable(Licence.objects.with_usage().prefetch_related("users"))  # type: ignore[no-any-return]

    def get_permissions(self) -> list[Any]:
        if self.action == "reveal":
            return [permissions.IsAuthenticated()]  # every reader may reveal; the lookup 404s the others
        return list(super().get_permissions())

    def perform_destroy(self, instance: Licence) -> None:
        services.delete_licence(instance, by=acting_user(self.request))

    @extend_schema(
        summary=_("Read the licence key (recorded with the caller's name)"),
        request=EmptySerializer,
        responses=LicenceKeySerializer,
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        licence = self.get_object()
        EmptySerializer(data=request.data).is_valid(raise_exception=True)
        key = services.reveal_key(licence, by=acting_user(request), channel="api")
        return Response({"key": key})
