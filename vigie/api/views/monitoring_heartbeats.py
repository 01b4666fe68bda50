"""Restore tests of backup checks: read by whoever reads the check (provider staff serving the
client, the client's manager and IT contact), recorded by the staff serving the client. Another
tenant's restore test is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from vigie.api.base import acting_user
from vigie.api.filters import FILTER_BACKENDS
from vigie.api.serializers.monitoring_heartbeats import RestoreTestCreateSerializer, RestoreTestSerializer
from vigie.monitoring.heartbeats.restore import record_restore_test
from vigie.monitoring.models import Check, RestoreResult, RestoreTest


class RestoreTestFilter(filters.FilterSet):
    check = filters.NumberFilter(field_name="backup_id", label=_("Backup check (id)"))
    organization = filters.NumberFilter(field_name="backup__organization_id", label=_("Client (id)"))
    result = filters.ChoiceFilter(choices=RestoreResult.choices)

    class Meta:
        model = RestoreTest
        fields = ["check", "organization", "result"]


@extend_schema_view(
    list=extend_schema(summary=_("Restore tests of the backup checks the caller reads")),
    retrieve=extend_schema(summary=_("One restore test")),
    create=extend_schema(
        summary=_("Record a restore test of a backup check (staff serving its client)"),
        request=RestoreTestCreateSerializer,
        responses={201: RestoreTestSerializer},
    ),
)
class RestoreTestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[RestoreTest]
):
    serializer_class = RestoreTestSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"
    filterset_class = RestoreTestFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["performed_on", "created_at"]
    ordering = ["-performed_on", "-id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[RestoreTest]:
        checks = Check.objects.visible_to(self.request.user).heartbeats()
        return RestoreTest.objects.filter(backup__in=checks).select_related("backup", "performed_by")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return RestoreTestCreateSerializer if self.action == "create" else RestoreTestSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        test = record_restore_test(data.pop("backup"), by=acting_user(request), **data)
        fresh = self.get_queryset().get(pk=test.pk)
        return Response(
            RestoreTestSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:restore-test-detail", args=[fresh.pk])},
        )
