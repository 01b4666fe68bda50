"""Alerts and their events in the API (read-only)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from vigie.monitoring.models import Alert, AlertEvent

ALERT_FIELDS = [
    "id",
    "organization",
    "dedup_key",
    "source_kind",
    "intake_source",
    "source_check",
    "configuration_item",
    "service",
    "severity",
    "status",
    "summary",
    "description",
    "labels",
    "first_seen_at",
    "last_seen_at",
    "fired_at",
    "resolved_at",
    "occurrences",
    "is_flapping",
    "is_silenced",
    "acknowledged_at",
    "acknowledged_by",
    "incident",
]


class AlertEventSerializer(serializers.ModelSerializer[AlertEvent]):
    class Meta:
        model = AlertEvent
        fields = ["at", "kind", "message", "details"]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer[Alert]):
    incident = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ALERT_FIELDS
        read_only_fields = ALERT_FIELDS

    def get_incident(self, alert: Alert) -> str | None:
        """The reference of the incident the alert opened or joined."""
        return alert.ticket.reference if alert.ticket_id and alert.ticket else None


class AlertDetailSerializer(AlertSerializer):
    events = serializers.SerializerMethodField()

    class Meta(AlertSerializer.Meta):
        fields = [*ALERT_FIELDS, "events"]
        read_only_fields = fields

    def get_events(self, alert: Alert) -> list[dict[str, Any]]:
        events = alert.events.order_by("-at", "-id")[:200]
        return list(AlertEventSerializer(events, many=True).data)
