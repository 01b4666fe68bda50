"""A client's probe policy (``/api/v1/probe-policies/``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.api.base import StrictFieldsMixin, scope_queryset
from vigie.monitoring.models import ProbePolicy
from vigie.monitoring.permissions import configurable_clients
from vigie.tenancy.models import Organization


class ProbePolicySerializer(StrictFieldsMixin, serializers.ModelSerializer[ProbePolicy]):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), help_text=_("The client."))
    allowed_networks = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("One network per line in CIDR notation (e.g. 10.20.0.0/16), reachable by this client's checks."),
    )
    allow_public = serializers.BooleanField(required=False, help_text=_("Whether public internet addresses are allowed."))

    class Meta:
        model = ProbePolicy
        fields = ["id", "organization", "allowed_networks", "allow_public", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        queryset = configurable_clients(request.user if request is not None else None)
        if self.instance is not None:
            self.fields["organization"].read_only = True
        scope_queryset(self, "organization", queryset)
