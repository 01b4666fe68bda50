"""Intake sources (``/api/v1/intake-sources/``): provider staff serving the client list, create,
rotate and deactivate them. The clear token is in the create and rotate answers only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.api.base import EmptySerializer, acting_user
from vigie.api.filters import FILTER_BACKENDS, visible_organizations
from vigie.api.serializers.monitoring_intake import IntakeSourceSerializer, IntakeSourceWithTokenSerializer
from vigie.monitoring.intake import sources as services
from vigie.monitoring.models import IntakeSource, SourceKind


class IntakeSourceFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    kind = filters.ChoiceFilter(choices=SourceKind.choices)

    class Meta:
        model = IntakeSource
        fields = ["organization", "kind", "is_active"]


@extend_schema_view(
    list=extend_schema(summary=_("Intake sources of the clients the caller serves")),
    retrieve=extend_schema(summary=_("One intake source (its token is never shown again)")),
    create=extend_schema(
        summary=_("Create an intake source; the answer holds its clear token, shown once"),
        request=IntakeSourceSerializer,
        responses={201: IntakeSourceWithTokenSerializer},
    ),
)
class IntakeSourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[IntakeSource],
):
    serializer_class = IntakeSourceSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = IntakeSourceFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["name", "created_at", "last_received_at"]
    ordering = ["organization__name", "kind", "name"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[IntakeSource]:
        return IntakeSource.objects.visible_to(self.request.user).select_related("organization")

    def get_serializer_class(self) -> Any:
        if self.action in ("rotate", "deactivate"):
            return EmptySerializer
        return IntakeSourceSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = IntakeSourceSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        source, token = services.create_source(by=acting_user(request), **serializer.validated_data)
        source.token = token  # type: ignore[attr-defined]
        answer = IntakeSourceWithTokenSerializer(source, context=self.get_serializer_context())
        return Response(answer.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Give the source a new token (the old one stops working); the answer holds it, shown once"),
        request=None,
        responses={200: IntakeSourceWithTokenSerializer},
    )
    @action(detail=True, methods=["post"])
    def rotate(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        if not source.is_active:
            return Response(
                {
                    "error": {
                        "status": 409,
                        "code": "inactive",
                        "message": str(_("A deactivated source gets no new token.")),
                        "fields": {},
                    }
                },
                status=status.HTTP_409_CONFLICT,
            )
        source.token = services.rotate_source_token(source, by=acting_user(request))  # type: ignore[attr-defined]
        return Response(IntakeSourceWithTokenSerializer(source, context=self.get_serializer_context()).data)

    @extend_schema(summary=_("Deactivate the source: its token is refused from now on"), request=None)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        source = services.deactivate_source(self.get_object(), by=acting_user(request))
        return Response(IntakeSourceSerializer(source, context=self.get_serializer_context()).data)
