"""The category tree and the priority matrix: read by everyone, changed by administrators."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, viewsets

from vigie.api.base import AdminWritesOthersRead
from vigie.api.filters import FILTER_BACKENDS
from vigie.api.serializers.reference import CategorySerializer, PriorityMatrixCellSerializer
from vigie.core.audit import acting_as
from vigie.servicedesk.models import Category, PriorityMatrixCell
from vigie.tenancy.access import access_for


@extend_schema_view(
    list=extend_schema(summary=_("The category tree, flattened (parent ids give the tree)")),
    create=extend_schema(summary=_("Create a category (administrators)")),
    partial_update=extend_schema(summary=_("Rename, move or retire a category (administrators)")),
    destroy=extend_schema(summary=_("Delete an unused category (administrators)")),
)
class CategoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Category],
):
    serializer_class = CategorySerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    filterset_fields = ["parent", "is_active"]
    ordering_fields = ["full_name", "name", "created_at"]
    ordering = ["full_name"]
    filter_backends = FILTER_BACKENDS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Category]:
        categories = Category.objects.all()
        # Client users pick from the categories in use; staff also see retired ones.
        return categories if access_for(self.request.user).is_staff_member else categories.filter(is_active=True)

    def perform_destroy(self, instance: Category) -> None:
        if instance.children.exists() or instance.tickets.exists():
            raise exceptions.ValidationError(
                {"id": [_("This category has subcategories or tickets; retire it (is_active=false) instead.")]}
            )
        with acting_as(self.request.user):
            instance.delete()


@extend_schema_view(
    list=extend_schema(summary=_("The impact × urgency → priority matrix")),
    partial_update=extend_schema(summary=_("Change the priority of one cell (administrators)")),
)
class PriorityMatrixViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[PriorityMatrixCell],
):
    serializer_class = PriorityMatrixCellSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    pagination_class = None
    filter_backends: list[type] = []
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[PriorityMatrixCell]:
        return PriorityMatrixCell.objects.order_by("impact", "urgency")
