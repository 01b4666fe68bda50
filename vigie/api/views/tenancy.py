"""Organisations, sites and technician groups."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, viewsets

from vigie.api.base import AdminWritesOthersRead, IsStaffMember
from vigie.api.filters import FILTER_BACKENDS, visible_organizations
from vigie.api.serializers.tenancy import GroupSerializer, OrganizationSerializer, SiteSerializer
from vigie.core.audit import acting_as
from vigie.tenancy.access import groups_visible_to
from vigie.tenancy.models import Organization, OrganizationKind, Site, TechnicianGroup

WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]


@extend_schema_view(
    list=extend_schema(summary=_("Organisations the caller can see")),
    create=extend_schema(summary=_("Create a client company (administrators)")),
    partial_update=extend_schema(summary=_("Change a client company (administrators)")),
)
class OrganizationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Organization],
):
    serializer_class = OrganizationSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    filterset_fields = ["kind", "is_active", "slug"]
    ordering_fields = ["name", "created_at", "slug"]
    ordering = ["name"]
    filter_backends = FILTER_BACKENDS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Organization]:
        return Organization.objects.visible_to(self.request.user)

    def perform_update(self, serializer: Any) -> None:
        if serializer.instance.kind != OrganizationKind.CLIENT:
            raise exceptions.PermissionDenied(_("The provider organisation is changed in the administration."))
        serializer.save()


class SiteFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations)

    class Meta:
        model = Site
        fields = ["organization", "city", "country"]


@extend_schema_view(
    create=extend_schema(summary=_("Create a site (administrators)")),
    partial_update=extend_schema(summary=_("Change a site (administrators)")),
    destroy=extend_schema(summary=_("Delete a site (administrators)")),
)
class SiteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Site],
):
    serializer_class = SiteSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    filterset_class = SiteFilter
    ordering_fields = ["name", "city", "created_at"]
    ordering = ["organization__name", "name"]
    filter_backends = FILTER_BACKENDS
    http_method_names = WRITE_METHODS

    def get_queryset(self) -> QuerySet[Site]:
        return Site.objects.filter(organization__in=Organization.objects.visible_to(self.request.user))

    def perform_destroy(self, instance: Site) -> None:
        with acting_as(self.request.user):
            instance.delete()


@extend_schema_view(
    list=extend_schema(summary=_("Technician groups (provider staff)")),
    create=extend_schema(summary=_("Create a technician group (administrators)")),
    partial_update=extend_schema(summary=_("Change a technician group (administrators)")),
    destroy=extend_schema(summary=_("Delete a technician group (administrators)")),
)
class GroupViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[TechnicianGroup],
):
    serializer_class = GroupSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated, IsStaffMember, AdminWritesOthersRead]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    filter_backends = FILTER_BACKENDS
    http_method_names = WRITE_METHODS

    def get_queryset(self) -> QuerySet[TechnicianGroup]:
        return groups_visible_to(self.request.user).select_related("organization").prefetch_related("members", "clients")

    def perform_destroy(self, instance: TechnicianGroup) -> None:
        with acting_as(self.request.user):
            instance.delete()
