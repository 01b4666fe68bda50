"""Checks, their probe results and pings in the API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.api.base import StrictFieldsMixin, acting_user, scope_queryset
from vigie.catalog.models import BusinessService
from vigie.cmdb.models import ConfigurationItem
from vigie.monitoring import checks as services
from vigie.monitoring.models import Check, CheckKind, Ping, ProbeResult
from vigie.monitoring.permissions import serves
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization

READ_ONLY = [
    "id",
    "status",
    "status_changed_at",
    "last_result_at",
    "last_latency_ms",
    "last_message",
    "consecutive_failures",
    "last_ping_at",
    "last_start_at",
    "last_duration_seconds",
    "created_at",
    "updated_at",
]


def _served_clients(serializer: serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    if request is None or not access_for(request.user).is_staff_member:
        return Organization.objects.none()
    return Organization.objects.clients().filter(pk__in=access_for(request.user).company_wide_client_ids)


class CheckSerializer(StrictFieldsMixin, serializers.ModelSerializer[Check]):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), help_text=_("The client; set on creation.")
    )
    kind = serializers.ChoiceField(choices=CheckKind.choices, help_text=_("Set on creation."))
    configuration_item = serializers.PrimaryKeyRelatedField(
        queryset=ConfigurationItem.objects.none(), required=False, allow_null=True
    )
    service = serializers.PrimaryKeyRelatedField(queryset=BusinessService.objects.none(), required=False, allow_null=True)
    options = serializers.JSONField(required=False, help_text=_("Kind-specific settings (docs/monitoring)."))
    ping_url = serializers.SerializerMethodField(
        help_text=_("Where a heartbeat's job reports (provider staff serving the client only).")
    )

    class Meta:
        model = Check
        fields = [
            "id",
            "organization",
            "name",
            "kind",
            "description",
            "configuration_item",
            "service",
            "severity",
            "status",
            "status_changed_at",
            "last_result_at",
            "last_latency_ms",
            "last_message",
            "consecutive_failures",
            "ping_url",
            "schedule_kind",
            "period_seconds",
            "cron_expression",
            "schedule_timezone",
            "grace_seconds",
            "last_ping_at",
            "last_start_at",
            "last_duration_seconds",
            "is_backup",
            "target",
            "port",
            "options",
            "interval_seconds",
            "timeout_seconds",
            "retries",
            "created_at",
            "updated_at",
        ]
        read_only_fields = READ_ONLY
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clients = _served_clients(self)
        scope_queryset(self, "organization", clients)
        scope_queryset(self, "configuration_item", ConfigurationItem.objects.filter(organization__in=clients))
        scope_queryset(self, "service", BusinessService.objects.filter(organization__in=clients))
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            for name in ("organization", "kind"):
                self.fields[name].read_only = True

    def get_ping_url(self, check: Check) -> str | None:
        request = self.context.get("request")
        if not check.is_heartbeat or request is None or not serves(request.user, check.organization_id):
            return None
        return f"{settings.SITE_URL}/ping/{check.ping_key}"

    def create(self, validated_data: dict[str, Any]) -> Check:
        organization = validated_data.pop("organization")
        kind = validated_data.pop("kind")
        return services.create_check(
            by=acting_user(self.context["request"]), organization=organization, kind=kind, **validated_data
        )

    def update(self, instance: Check, validated_data: dict[str, Any]) -> Check:
        return services.update_check(instance, by=acting_user(self.context["request"]), **validated_data)


class ProbeResultSerializer(serializers.ModelSerializer[ProbeResult]):
    class Meta:
        model = ProbeResult
        fields = ["id", "at", "ok", "latency_ms", "message", "details", "probe_name"]
        read_only_fields = fields


class PingSerializer(serializers.ModelSerializer[Ping]):
    class Meta:
        model = Ping
        fields = [
            "id",
            "at",
            "kind",
            "exit_status",
            "run_id",
            "method",
            "remote_address",
            "user_agent",
            "body",
            "body_truncated",
            "duration_seconds",
        ]
        read_only_fields = fields
