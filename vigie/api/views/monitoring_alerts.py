"""Alerts of the clients the caller sees (read-only): provider staff serving the client and the
client's manager or IT contact. Another tenant's alert is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.serializers import BaseSerializer

from vigie.api.filters import FILTER_BACKENDS, visible_organizations
from vigie.api.serializers.monitoring_alerts import AlertDetailSerializer, AlertSerializer
from vigie.monitoring.models import Alert, AlertSeverity, AlertStatus


class AlertFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    client = filters.CharFilter(field_name="organization__slug", label=_("Client (short name)"))
    status = filters.ChoiceFilter(choices=AlertStatus.choices)
    severity = filters.ChoiceFilter(choices=AlertSeverity.choices)
    source = filters.CharFilter(field_name="source_kind", label=_("Source: check, alertmanager, zabbix, agent, webhook…"))

    class Meta:
        model = Alert
        fields = ["organization", "status", "severity", "configuration_item", "service", "source_check"]


@extend_schema_view(
    list=extend_schema(summary=_("Alerts of the clients the caller sees, firing first")),
    retrieve=extend_schema(summary=_("One alert with its events"), responses=AlertDetailSerializer),
)
class AlertViewSet(viewsets.ReadOnlyModelViewSet[Any]):
    serializer_class = AlertSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = FILTER_BACKENDS
    filterset_class = AlertFilter
    ordering_fields = ["last_seen_at", "first_seen_at", "severity", "occurrences"]
    # By default the firing alerts first, the most recently seen first within each status.
    ordering = ["firing_first", "-last_seen_at"]
    ordering_expressions = {
        "firing_first": [Case(When(status=AlertStatus.FIRING, then=Value(0)), default=Value(1), output_field=IntegerField())]
    }
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Alert]:
        return Alert.objects.visible_to(self.request.user).select_related("ticket")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return AlertDetailSerializer if self.action == "retrieve" else AlertSerializer
