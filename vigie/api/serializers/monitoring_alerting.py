"""Serializers of alerting settings: maintenance windows, notification channels (the Apprise
URL is write-only), alert policies, acknowledgements."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.api.base import StrictFieldsMixin, StrictSerializer, acting_user, scope_queryset
from vigie.catalog.models import BusinessService
from vigie.cmdb.models import ConfigurationItem
from vigie.monitoring.alerting import services
from vigie.monitoring.models import Alert, AlertPolicy, MaintenanceWindow, NotificationChannel
from vigie.monitoring.models.visibility import staff_organizations
from vigie.monitoring.notify import channels
from vigie.monitoring.permissions import configurable_clients
from vigie.tenancy.models import Organization


class MaintenanceWindowSerializer(StrictFieldsMixin, serializers.ModelSerializer[MaintenanceWindow]):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())

    class Meta:
        model = MaintenanceWindow
        fields = [
            "id",
            "organization",
            "name",
            "configuration_item",
            "service",
            "starts_at",
            "ends_at",
            "recurrence",
            "repeat_until",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            served = configurable_clients(request.user)
            scope_queryset(self, "organization", served)
            scope_queryset(self, "configuration_item", ConfigurationItem.objects.filter(organization__in=served))
            scope_queryset(self, "service", BusinessService.objects.filter(organization__in=served))

    def create(self, validated_data: dict[str, Any]) -> MaintenanceWindow:
        organization = validated_data.pop("organization")
        return services.create_window(by=acting_user(self.context["request"]), organization=organization, **validated_data)

    def update(self, instance: MaintenanceWindow, validated_data: dict[str, Any]) -> MaintenanceWindow:
        if "organization" in validated_data and validated_data.pop("organization").pk != instance.organization_id:
            raise serializers.ValidationError({"organization": [_("A window cannot move to another client.")]})
        return services.update_window(instance, by=acting_user(self.context["request"]), **validated_data)


class NotificationChannelSerializer(StrictFieldsMixin, serializers.ModelSerializer[NotificationChannel]):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    apprise_url = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text=_("Write-only: stored encrypted, never returned.")
    )
    has_apprise_url = serializers.SerializerMethodField()

    class Meta:
        model = NotificationChannel
        fields = [
            "id",
            "organization",
            "name",
            "kind",
            "email_addresses",
            "apprise_url",
            "has_apprise_url",
            "min_severity",
            "quiet_hours_start",
            "quiet_hours_end",
            "quiet_hours_timezone",
            "critical_during_quiet_hours",
            "escalate_after_minutes",
            "escalation_channel",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            served = configurable_clients(request.user)
            scope_queryset(self, "organization", served)
            scope_queryset(self, "escalation_channel", NotificationChannel.objects.filter(organization__in=served))

    def get_has_apprise_url(self, channel: NotificationChannel) -> bool:
        return bool(channel.apprise_url)

    def create(self, validated_data: dict[str, Any]) -> NotificationChannel:
        organization = validated_data.pop("organization")
        return channels.create_channel(by=acting_user(self.context["request"]), organization=organization, **validated_data)

    def update(self, instance: NotificationChannel, validated_data: dict[str, Any]) -> NotificationChannel:
        if "organization" in validated_data and validated_data.pop("organization").pk != instance.organization_id:
            raise serializers.ValidationError({"organization": [_("A channel cannot move to another client.")]})
        return channels.update_channel(instance, by=acting_user(self.context["request"]), **validated_data)


class AlertPolicySerializer(StrictFieldsMixin, serializers.ModelSerializer[AlertPolicy]):
    class Meta:
        model = AlertPolicy
        fields = [
            "id",
            "organization",
            "open_incidents",
            "incident_min_severity",
            "resolve_on_recovery",
            "reopen_within_days",
            "flapping_changes",
            "flapping_window_minutes",
            "updated_at",
        ]
        read_only_fields = ["id", "organization", "updated_at"]

    def update(self, instance: AlertPolicy, validated_data: dict[str, Any]) -> AlertPolicy:
        return services.update_policy(instance, by=acting_user(self.context["request"]), **validated_data)


class AcknowledgementSerializer(StrictSerializer):
    alert = serializers.PrimaryKeyRelatedField(queryset=Alert.objects.none(), help_text=_("The firing alert to acknowledge."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            condition = staff_organizations(request.user)
            scope_queryset(self, "alert", Alert.objects.all() if condition is None else Alert.objects.filter(condition))
