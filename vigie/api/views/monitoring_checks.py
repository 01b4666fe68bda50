"""Checks (heartbeats and probes) of the clients the caller sees, with their results and pings.

Read: provider staff serving the client, the client's manager or IT contact. Write (create,
change, pause, resume, delete): provider staff serving the client, through
``vigie.monitoring.checks``. Another tenant's check is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from vigie.api.base import EmptySerializer, acting_user
from vigie.api.filters import FILTER_BACKENDS, visible_organizations
from vigie.api.serializers.monitoring_checks import CheckSerializer, PingSerializer, ProbeResultSerializer
from vigie.monitoring import checks as services
from vigie.monitoring.models import Check, CheckKind, CheckStatus, Ping, ProbeResult
from vigie.monitoring.permissions import serves
from vigie.tenancy.access import access_for


class SupervisionWrites(permissions.BasePermission):
    """Reads for whoever sees the check; writes for the provider's staff serving its client
    (checked after the lookup: another tenant's check is a 404, a visible one a 403)."""

    message = _("Only the provider's staff serving this client can change its supervision.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return access_for(request.user).is_staff_member

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or serves(request.user, obj.organization_id)


class CheckFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    client = filters.CharFilter(field_name="organization__slug", label=_("Client (short name)"))
    kind = filters.ChoiceFilter(choices=CheckKind.choices)
    status = filters.ChoiceFilter(choices=CheckStatus.choices)
    search = filters.CharFilter(method="filter_search", label=_("Text in the name or target"))

    class Meta:
        model = Check
        fields = ["organization", "kind", "status", "configuration_item", "service", "is_backup"]

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()[:100]
        return queryset.filter(Q(name__icontains=value) | Q(target__icontains=value)) if value else queryset


@extend_schema_view(
    list=extend_schema(summary=_("Checks of the clients the caller sees")),
    retrieve=extend_schema(summary=_("One check")),
    create=extend_schema(summary=_("Create a check (provider staff serving the client)")),
    update=extend_schema(summary=_("Replace a check's settings (provider staff)")),
    partial_update=extend_schema(summary=_("Change a check's settings (provider staff)")),
    destroy=extend_schema(summary=_("Delete a check with its history (provider staff)")),
)
class CheckViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Any],
):
    serializer_class = CheckSerializer
    permission_classes = [permissions.IsAuthenticated, SupervisionWrites]
    filter_backends = FILTER_BACKENDS
    filterset_class = CheckFilter
    ordering_fields = ["name", "status", "created_at", "last_result_at"]
    ordering = ["name", "id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Check]:
        return Check.objects.visible_to(self.request.user)

    def perform_destroy(self, instance: Check) -> None:
        services.delete_check(instance, by=acting_user(self.request))

    @extend_schema(
        summary=_("Pause a check: it raises no alert until resumed"), request=EmptySerializer, responses=CheckSerializer
    )
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        check = self.get_object()
        EmptySerializer(data=request.data).is_valid(raise_exception=True)
        services.pause_check(check, by=acting_user(request))
        return Response(self.get_serializer(check).data)

    @extend_schema(summary=_("Resume a paused check"), request=EmptySerializer, responses=CheckSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        check = self.get_object()
        EmptySerializer(data=request.data).is_valid(raise_exception=True)
        services.resume_check(check, by=acting_user(request))
        return Response(self.get_serializer(check).data)

    @extend_schema(summary=_("A probe's results, newest first"), responses=ProbeResultSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def results(self, request: Request, pk: str | None = None) -> Response:
        check = self.get_object()
        rows = ProbeResult.objects.filter(probe_check=check).order_by("-at", "-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ProbeResultSerializer(page, many=True).data)

    @extend_schema(summary=_("A heartbeat's pings, newest first"), responses=PingSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def pings(self, request: Request, pk: str | None = None) -> Response:
        check = self.get_object()
        rows = Ping.objects.filter(heartbeat=check).order_by("-at", "-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PingSerializer(page, many=True).data)
