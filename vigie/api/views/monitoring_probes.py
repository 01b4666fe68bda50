"""Probe policies (``/api/v1/probe-policies/``): the private networks a client's checks may reach.

Provider staff serving the client read and change it; anyone else finds nothing (404). Creating
a policy for a client that has one changes that one (one policy per client).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.api.base import acting_user
from vigie.api.serializers.monitoring_probes import ProbePolicySerializer
from vigie.monitoring.models import ProbePolicy
from vigie.monitoring.models.visibility import staff_organizations
from vigie.monitoring.probes import services


@extend_schema_view(
    list=extend_schema(summary=_("Probe policies of the clients the caller serves")),
    retrieve=extend_schema(summary=_("One client's probe policy")),
    create=extend_schema(summary=_("Set a client's probe policy (staff serving the client)")),
    update=extend_schema(summary=_("Replace a client's probe policy")),
    partial_update=extend_schema(summary=_("Change a client's probe policy")),
)
class ProbePolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Any],
):
    serializer_class = ProbePolicySerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering = ["organization__name"]
    ordering_fields = ["created_at", "updated_at"]
    filterset_fields = ["organization"]

    def get_queryset(self) -> QuerySet[ProbePolicy]:
        queryset = ProbePolicy.objects.select_related("organization")
        condition = staff_organizations(self.request.user)
        return queryset if condition is None else queryset.filter(condition)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = data["organization"]
        current = services.policy_for(organization)
        policy = services.update_probe_policy(
            organization,
            by=acting_user(request),
            allowed_networks=data.get("allowed_networks", current.allowed_networks),
            allow_public=data.get("allow_public", current.allow_public),
        )
        return Response(self.get_serializer(policy).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = self.get_object()
        serializer = self.get_serializer(policy, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        policy = services.update_probe_policy(
            policy.organization,
            by=acting_user(request),
            allowed_networks=data.get("allowed_networks", policy.allowed_networks),
            allow_public=data.get("allow_public", policy.allow_public),
        )
        return Response(self.get_serializer(policy).data)
