"""Business calendars, SLA policies and business services.

Read: provider staff for the clients they serve (and the provider's calendars), a client's manager
or IT contact for the own company; another tenant's object is a 404. Write: the provider's
administrators (calendars, policies, services) and service owners (policies and services of the
clients they serve), through the same services as the staff pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from vigie.api.base import acting_user
from vigie.api.filters import FILTER_BACKENDS, visible_organizations
from vigie.api.serializers.sla import BusinessServiceSerializer, CalendarSerializer, SlaPolicySerializer
from vigie.catalog.models import BusinessService, Criticality
from vigie.sla import permissions as sla_permissions
from vigie.sla import services
from vigie.sla.models import BusinessCalendar, SlaPolicy
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Role

METHODS = ["get", "post", "put", "patch", "delete", "head", "options"]


class ManagesConfiguration(permissions.BasePermission):
    """Reads for whoever sees the object; writes for those the view's ``can_manage`` allows.

    The check on an existing object runs after the lookup, so another tenant's object answers 404
    and a visible one 403. A caller who may change nothing at all is refused a creation at once;
    the service then checks the organisation named in the body."""

    message = _("You cannot change this configuration.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        access = access_for(request.user)
        writers: frozenset[str] = getattr(view, "writer_roles", frozenset({Role.ADMIN}))
        return access.is_superuser or bool(writers & access.provider_roles)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        can_manage: Callable[[Any, int], bool] | None = getattr(view, "can_manage", None)
        return can_manage is not None and can_manage(request.user, obj.organization_id)


class ConfigurationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Any],
):
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated, ManagesConfiguration]
    filter_backends = FILTER_BACKENDS
    http_method_names = METHODS

    def readable(self, queryset: Any) -> Any:
        """Visibility first (``visible_to``), then the configuration's own audience."""
        user = self.request.user
        return queryset.visible_to(user).filter(organization_id__in=sla_permissions.readable_organization_ids(user))


class CalendarFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Organisation (id)"))

    class Meta:
        model = BusinessCalendar
        fields = ["organization", "is_24x7", "holiday_country"]


@extend_schema_view(
    list=extend_schema(summary=_("Business calendars the caller can see")),
    retrieve=extend_schema(summary=_("One business calendar, with its opening ranges and closures")),
    create=extend_schema(summary=_("Create a business calendar (administrators)")),
    update=extend_schema(summary=_("Replace a business calendar (administrators)")),
    partial_update=extend_schema(summary=_("Change a business calendar; given ranges or closures replace the lists")),
    destroy=extend_schema(summary=_("Delete a business calendar nothing runs on (administrators)")),
)
class CalendarViewSet(ConfigurationViewSet):
    serializer_class = CalendarSerializer
    filterset_class = CalendarFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["organization__name", "name"]
    writer_roles = frozenset({Role.ADMIN})
    can_manage = staticmethod(sla_permissions.can_manage_calendars)

    def get_queryset(self) -> QuerySet[BusinessCalendar]:
        return self.readable(BusinessCalendar.objects.all()).prefetch_related("ranges", "closures")  # type: ignore[no-any-return]

    def perform_destroy(self, instance: BusinessCalendar) -> None:
        services.delete_calendar(instance, by=acting_user(self.request))


class PolicyFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))

    class Meta:
        model = SlaPolicy
        fields = ["organization", "is_active", "ticket_type", "category"]


@extend_schema_view(
    list=extend_schema(summary=_("SLA policies the caller can see, in matching order")),
    retrieve=extend_schema(summary=_("One SLA policy, with its targets and escalation rules")),
    create=extend_schema(summary=_("Create an SLA policy (administrators, service owners)")),
    update=extend_schema(summary=_("Replace an SLA policy (administrators, service owners)")),
    partial_update=extend_schema(summary=_("Change an SLA policy; given targets or escalations replace the lists")),
    destroy=extend_schema(summary=_("Delete an SLA policy (administrators, service owners)")),
)
class SlaPolicyViewSet(ConfigurationViewSet):
    serializer_class = SlaPolicySerializer
    filterset_class = PolicyFilter
    ordering_fields = ["order", "name", "created_at"]
    ordering = ["organization__name", "order"]
    writer_roles = frozenset({Role.ADMIN, Role.SERVICE_OWNER})
    can_manage = staticmethod(sla_permissions.can_manage_policies)

    def get_queryset(self) -> QuerySet[SlaPolicy]:
        return self.readable(SlaPolicy.objects.all()).prefetch_related("targets", "escalations")  # type: ignore[no-any-return]

    def perform_destroy(self, instance: SlaPolicy) -> None:
        services.delete_policy(instance, by=acting_user(self.request))


class ServiceFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    criticality = filters.ChoiceFilter(choices=Criticality.choices)

    class Meta:
        model = BusinessService
        fields = ["organization", "criticality", "is_active"]


@extend_schema_view(
    list=extend_schema(summary=_("Business services the caller can see")),
    retrieve=extend_schema(summary=_("One business service")),
    create=extend_schema(summary=_("Create a business service (administrators, service owners)")),
    update=extend_schema(summary=_("Replace a business service (administrators, service owners)")),
    partial_update=extend_schema(summary=_("Change a business service (administrators, service owners)")),
)
class BusinessServiceViewSet(ConfigurationViewSet):
    serializer_class = BusinessServiceSerializer
    filterset_class = ServiceFilter
    ordering_fields = ["name", "criticality", "created_at"]
    ordering = ["organization__name", "name"]
    writer_roles = frozenset({Role.ADMIN, Role.SERVICE_OWNER})
    can_manage = staticmethod(sla_permissions.can_manage_services)
    # A service is retired (is_active false), never deleted: tickets and reviews name it.
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[BusinessService]:
        return self.readable(BusinessService.objects.all())  # type: ignore[no-any-return]
