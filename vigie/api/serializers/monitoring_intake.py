"""Intake sources in the API: the clear token appears only in the create and rotate answers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from vigie.api.base import StrictFieldsMixin, scope_queryset
from vigie.monitoring.intake.sources import endpoint_url
from vigie.monitoring.models import IntakeSource
from vigie.tenancy.models import Organization


class IntakeSourceSerializer(StrictFieldsMixin, serializers.ModelSerializer[IntakeSource]):
    endpoint = serializers.SerializerMethodField()

    class Meta:
        model = IntakeSource
        fields = [
            "id",
            "organization",
            "kind",
            "name",
            "token_hint",
            "is_active",
            "last_received_at",
            "received_count",
            "endpoint",
            "created_at",
        ]
        read_only_fields = ["token_hint", "is_active", "last_received_at", "received_count", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "organization" in self.fields:
            from vigie.tenancy.access import access_for

            access = access_for(request.user)
            clients = Organization.objects.clients().filter(is_active=True)
            if not access.is_superuser:
                clients = clients.filter(pk__in=access.company_wide_client_ids if access.is_staff_member else [])
            scope_queryset(self, "organization", clients)

    def get_endpoint(self, source: IntakeSource) -> str:
        request = self.context.get("request")
        site = request.build_absolute_uri("/") if request is not None else "/"
        return endpoint_url(site, source.kind)


class IntakeSourceWithTokenSerializer(IntakeSourceSerializer):
    token = serializers.CharField(read_only=True, help_text="The clear token: shown in this answer only.")

    class Meta(IntakeSourceSerializer.Meta):
        fields = [*IntakeSourceSerializer.Meta.fields, "token"]
