"""Reference data shared by all clients: the category tree and the priority matrix."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.api.base import StrictFieldsMixin, acting_user, scope_queryset
from vigie.servicedesk import services
from vigie.servicedesk.models import Category, Level, Priority, PriorityMatrixCell
from vigie.tenancy.access import access_for, groups_visible_to
from vigie.tenancy.models import TechnicianGroup


def _descendant_ids(category: Category) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    pending = list(children.get(category.pk, []))
    while pending:
        pk = pending.pop()
        if pk not in found:
            found.add(pk)
            pending.extend(children.get(pk, []))
    return found


class CategorySerializer(StrictFieldsMixin, serializers.ModelSerializer[Category]):
    parent = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), allow_null=True, required=False)  # type: ignore[assignment]
    default_group = serializers.PrimaryKeyRelatedField(queryset=TechnicianGroup.objects.none(), allow_null=True, required=False)

    class Meta:
        model = Category
        fields = ["id", "name", "full_name", "parent", "is_active", "default_group", "created_at", "updated_at"]
        read_only_fields = ["id", "full_name", "created_at", "updated_at"]
        validators: list[Any] = []  # the name is checked per parent in validate(), a root has no parent

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            scope_queryset(self, "default_group", groups_visible_to(request.user))

    def to_representation(self, instance: Category) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not access_for(request.user).is_staff_member:
            data.pop("default_group", None)  # a back-office detail, not for client users
        return data

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("A name is required."))
        if "›" in value:
            raise serializers.ValidationError(_("The name cannot contain “›”."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        parent = attrs.get("parent", getattr(self.instance, "parent", None))
        name = attrs.get("name", getattr(self.instance, "name", None))
        if (
            self.instance is not None
            and parent is not None
            and (parent.pk == self.instance.pk or parent.pk in _descendant_ids(self.instance))
        ):
            raise serializers.ValidationError({"parent": _("A category cannot be placed under itself.")})
        if name is not None:
            clash = Category.objects.filter(parent=parent, name__iexact=name)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError({"name": _("This category already exists at this place in the tree.")})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Category:
        return services.create_category(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: Category, validated_data: dict[str, Any]) -> Category:
        return services.update_category(instance, by=acting_user(self.context["request"]), **validated_data)


class PriorityMatrixCellSerializer(StrictFieldsMixin, serializers.ModelSerializer[PriorityMatrixCell]):
    impact_label = serializers.SerializerMethodField()
    urgency_label = serializers.SerializerMethodField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    priority_label = serializers.SerializerMethodField()

    class Meta:
        model = PriorityMatrixCell
        fields = ["id", "impact", "impact_label", "urgency", "urgency_label", "priority", "priority_label"]
        read_only_fields = ["id", "impact", "urgency"]

    def get_impact_label(self, cell: PriorityMatrixCell) -> str:
        return str(Level(cell.impact).label)

    def get_urgency_label(self, cell: PriorityMatrixCell) -> str:
        return str(Level(cell.urgency).label)

    def get_priority_label(self, cell: PriorityMatrixCell) -> str:
        return str(Priority(cell.priority).label)

    def update(self, instance: PriorityMatrixCell, validated_data: dict[str, Any]) -> PriorityMatrixCell:
        priority = validated_data.get("priority", instance.priority)
        return services.set_matrix_priority(instance, by=acting_user(self.context["request"]), priority=priority)
