"""Configuration items, their relations, impact, CSV import and export.

Read: whoever ``ConfigurationItem.objects.visible_to`` lets see the CI (provider staff of the
clients served, a client's manager or IT contact, a requester for the CIs they use). Write: the
provider's staff serving the client, through ``vigie.cmdb.services``. Another tenant's CI is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from vigie.api.base import acting_user
from vigie.api.filters import FILTER_BACKENDS, visible_organizations
from vigie.api.serializers.cmdb import ConfigurationItemSerializer, ImportSerializer, RelationSerializer, impact_data
from vigie.catalog.models import Criticality
from vigie.cmdb import impact, services, transfer
from vigie.cmdb.models import CIClass, CIStatus, ConfigurationItem, Relation, RelationKind
from vigie.cmdb.permissions import can_manage
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization


class CmdbWrites(permissions.BasePermission):
    """Reads for whoever sees the object; writes for the provider's staff serving its client
    (checked after the lookup: another tenant's object is a 404, a visible one a 403)."""

    message = _("Only the provider's staff serving this client can change its configuration items.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return access_for(request.user).is_staff_member

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or can_manage(request.user, obj.organization_id)


class ItemFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    ci_class = filters.ChoiceFilter(choices=CIClass.choices)
    status = filters.ChoiceFilter(choices=CIStatus.choices)
    criticality = filters.ChoiceFilter(choices=Criticality.choices)
    search = filters.CharFilter(method="filter_search", label=_("Text in the name, serial number, vendor or model"))
    external_id = filters.CharFilter()

    class Meta:
        model = ConfigurationItem
        fields = ["organization", "ci_class", "status", "criticality", "site", "external_id"]

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(search_text__contains=value.strip().lower()[:100]) if value.strip() else queryset


@extend_schema_view(
    list=extend_schema(summary=_("Configuration items the caller can see")),
    retrieve=extend_schema(summary=_("One configuration item")),
    create=extend_schema(summary=_("Create a configuration item (provider staff)")),
    update=extend_schema(summary=_("Replace a configuration item (provider staff)")),
    partial_update=extend_schema(summary=_("Change a configuration item (provider staff)")),
    destroy=extend_schema(
        summary=_("Delete a configuration item; a linked one needs ?confirm=true and loses its links"),
        parameters=[
            OpenApiParameter("confirm", bool, description=_("Delete with its relations, ticket links and service components."))
        ],
    ),
)
class ConfigurationItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Any],
):
    serializer_class = ConfigurationItemSerializer
    permission_classes = [permissions.IsAuthenticated, CmdbWrites]
    filter_backends = FILTER_BACKENDS
    filterset_class = ItemFilter
    ordering_fields = ["name", "criticality", "created_at", "updated_at"]
    ordering = ["name", "id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[ConfigurationItem]:
        return ConfigurationItem.objects.visible_to(self.request.user).prefetch_related("users")

    def perform_destroy(self, instance: ConfigurationItem) -> None:
        confirm = str(self.request.query_params.get("confirm", "")).lower() in {"1", "true", "yes"}
        services.delete_item(instance, by=acting_user(self.request), confirm=confirm)

    @extend_schema(summary=_("What an outage of this item takes down: items, business services, users"), responses=dict)
    @action(detail=True, methods=["get"])
    def impact(self, request: Request, pk: str | None = None) -> Response:
        return Response(impact_data(impact.analyse(self.get_object())))

    @extend_schema(
        summary=_("Import configuration items from CSV (all or nothing per file)"), request=ImportSerializer, responses=dict
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_csv(self, request: Request) -> Response:
        serializer = ImportSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = transfer.import_csv(
            by=acting_user(request), organization=data["organization"], data=data["file"].read(), dry_run=data["dry_run"]
        )
        return Response(report.as_dict(), status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)

    @extend_schema(summary=_("Export a client's configuration items as CSV"), responses={(200, "text/csv"): bytes})
    @action(detail=False, methods=["get"], url_path=r"export/(?P<organization_slug>[-a-zA-Z0-9_]+)")
    def export_csv(self, request: Request, organization_slug: str) -> HttpResponse:
        clients = access_for(request.user).company_wide_client_ids
        organization = Organization.objects.clients().filter(pk__in=clients, slug=organization_slug).first()
        if organization is None:
            raise NotFound()
        response = HttpResponse(transfer.export_csv(organization).encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cmdb-{organization.slug}.csv"'
        return response


class RelationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=RelationKind.choices)

    class Meta:
        model = Relation
        fields = ["source", "target", "kind", "redundancy_group"]


@extend_schema_view(
    list=extend_schema(summary=_("Relations between the configuration items the caller can see")),
    retrieve=extend_schema(summary=_("One relation")),
    create=extend_schema(summary=_("Relate two configuration items of the same client (provider staff)")),
    destroy=extend_schema(summary=_("Remove a relation (provider staff)")),
)
class RelationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Any],
):
    serializer_class = RelationSerializer
    permission_classes = [permissions.IsAuthenticated, CmdbWrites]
    filter_backends = FILTER_BACKENDS
    filterset_class = RelationFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Relation]:
        visible = ConfigurationItem.objects.visible_to(self.request.user).values("pk")
        return Relation.objects.filter(source__in=visible, target__in=visible)

    def perform_destroy(self, instance: Relation) -> None:
        services.remove_relation(instance, by=acting_user(self.request))
