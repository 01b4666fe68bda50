"""Alerting settings in the API: maintenance windows, notification channels, alert policies
(one per client, created on first read), and acknowledging an alert. Provider staff serving the
client only; another tenant's object is a 404."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.api.base import acting_user
from vigie.api.filters import FILTER_BACKENDS
from vigie.api.serializers.monitoring_alerting import (
    AcknowledgementSerializer,
    AlertPolicySerializer,
    MaintenanceWindowSerializer,
    NotificationChannelSerializer,
)
from vigie.monitoring.alerting import services
from vigie.monitoring.alerting.policy import policy_for
from vigie.monitoring.models import AlertPolicy, MaintenanceWindow, NotificationChannel
from vigie.monitoring.models.visibility import staff_organizations
from vigie.monitoring.notify import channels
from vigie.tenancy.models import Organization

# No 403 for people outside the provider: every queryset is limited to the clients the caller
# serves as staff, so anyone else finds nothing (404 on an object, an empty list).
STAFF = [permissions.IsAuthenticated]


M = TypeVar("M", bound=Model)


def _scoped(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    condition = staff_organizations(user)
    return queryset if condition is None else queryset.filter(condition)


class _Settings(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Any],
):
    permission_classes = STAFF
    filter_backends = FILTER_BACKENDS
    lookup_value_regex = "[0-9]+"
    filterset_fields = ["organization"]


class MaintenanceWindowViewSet(_Settings):
    serializer_class = MaintenanceWindowSerializer
    ordering = ["-starts_at"]

    def get_queryset(self) -> QuerySet[MaintenanceWindow]:
        return _scoped(MaintenanceWindow.objects.all(), self.request.user).select_related("organization")

    def perform_destroy(self, instance: MaintenanceWindow) -> None:
        services.delete_window(instance, by=acting_user(self.request))


class NotificationChannelViewSet(_Settings):
    serializer_class = NotificationChannelSerializer
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[NotificationChannel]:
        return NotificationChannel.objects.visible_to(self.request.user).select_related("organization")

    def perform_destroy(self, instance: NotificationChannel) -> None:
        channels.delete_channel(instance, by=acting_user(self.request))


class AlertPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet[Any]):
    """One policy per client served; the defaults are stored the first time the list is read."""

    serializer_class = AlertPolicySerializer
    permission_classes = STAFF
    filter_backends = FILTER_BACKENDS
    filterset_fields = ["organization"]
    lookup_value_regex = "[0-9]+"
    ordering = ["organization__name"]
    http_method_names = ["get", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[AlertPolicy]:
        return _scoped(AlertPolicy.objects.all(), self.request.user).select_related("organization")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        condition = staff_organizations(request.user, field="pk")
        clients = Organization.objects.clients()
        clients = clients if condition is None else clients.filter(condition)
        missing = clients.exclude(pk__in=AlertPolicy.objects.values("organization_id")).values_list("pk", flat=True)
        for organization_id in list(missing[:1000]):
            policy_for(organization_id)
        return super().list(request, *args, **kwargs)


class AlertAcknowledgementViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet[Any]):
    """``POST {"alert": id}``: acknowledge a firing alert (its escalation stops)."""

    serializer_class = AcknowledgementSerializer
    permission_classes = STAFF

    @extend_schema(summary=_("Acknowledge a firing alert"), responses={201: AcknowledgementSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = services.acknowledge_alert(
            serializer.validated_data["alert"], by=acting_user(request), note=serializer.validated_data.get("note", "")
        )
        body = {"alert": alert.pk, "acknowledged_at": alert.acknowledged_at, "acknowledged_by": alert.acknowledged_by_id}
        return Response(body, status=status.HTTP_201_CREATED)
