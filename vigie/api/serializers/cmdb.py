"""Configuration items, relations and impact in the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.accounts.models import User
from vigie.api.base import StrictFieldsMixin, StrictSerializer, acting_user, scope_queryset
from vigie.cmdb import services
from vigie.cmdb.impact import Impact
from vigie.cmdb.models import RECORD_FIELDS, ConfigurationItem, RedundancyGroup, Relation, RelationKind
from vigie.tenancy.access import access_for, users_visible_to
from vigie.tenancy.models import Organization, Site

ITEM_FIELDS = [
    "id",
    "organization",
    "name",
    "ci_class",
    "status",
    "owner",
    "site",
    "criticality",
    *RECORD_FIELDS,
    "attributes",
    "users",
    "description",
    "external_id",
    "created_at",
    "updated_at",
]


def _visible_clients(serializer: serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    if request is None:
        return Organization.objects.none()
    return Organization.objects.clients().filter(pk__in=access_for(request.user).company_wide_client_ids)


def _visible_items(serializer: serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    return ConfigurationItem.objects.visible_to(request.user if request else None)


class ConfigurationItemSerializer(StrictFieldsMixin, serializers.ModelSerializer[ConfigurationItem]):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), help_text=_("The client; set on creation.")
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.none(), required=False, allow_null=True)
    users = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), many=True, required=False)
    attributes = serializers.JSONField(required=False, help_text=_("The class attributes (docs/cmdb.md)."))

    class Meta:
        model = ConfigurationItem
        fields = ITEM_FIELDS
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        field: Any = self.fields["organization"]
        field.queryset = _visible_clients(self)
        if self.instance is not None:
            field.required = False
        if request is not None:
            people = users_visible_to(request.user).filter(is_active=True)
            scope_queryset(self, "owner", people)
            scope_queryset(self, "users", people)
            scope_queryset(self, "site", Site.objects.filter(organization__in=_visible_clients(self)))

    def to_representation(self, instance: ConfigurationItem) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["ci_class_label"] = instance.get_ci_class_display()
        return data

    def create(self, validated_data: dict[str, Any]) -> ConfigurationItem:
        users = validated_data.pop("users", None)
        return services.create_item(by=acting_user(self.context["request"]), users=users, **validated_data)

    def update(self, instance: ConfigurationItem, validated_data: dict[str, Any]) -> ConfigurationItem:
        users = validated_data.pop("users", None)
        return services.update_item(instance, by=acting_user(self.context["request"]), users=users, **validated_data)


class RelationSerializer(StrictFieldsMixin, serializers.ModelSerializer[Relation]):
    source = serializers.PrimaryKeyRelatedField(queryset=ConfigurationItem.objects.none())  # type: ignore[assignment]
    target = serializers.PrimaryKeyRelatedField(queryset=ConfigurationItem.objects.none())
    kind = serializers.ChoiceField(choices=RelationKind.choices)
    redundancy_group = serializers.PrimaryKeyRelatedField(
        queryset=RedundancyGroup.objects.none(), required=False, allow_null=True
    )

    class Meta:
        model = Relation
        fields = ["id", "organization", "source", "target", "kind", "redundancy_group", "description", "created_at"]
        read_only_fields = ["id", "organization", "created_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_queryset(self, "source", _visible_items(self))
        scope_queryset(self, "target", _visible_items(self))
        scope_queryset(self, "redundancy_group", RedundancyGroup.objects.filter(organization__in=_visible_clients(self)))

    def create(self, validated_data: dict[str, Any]) -> Relation:
        return services.add_relation(by=acting_user(self.context["request"]), **validated_data)


class ImportSerializer(StrictSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    file = serializers.FileField(help_text=_("UTF-8 CSV with the columns of the export."))
    dry_run = serializers.BooleanField(default=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organization"]
        field.queryset = _visible_clients(self)


def _item_brief(item: ConfigurationItem) -> dict[str, Any]:
    return {"id": item.pk, "name": item.name, "ci_class": item.ci_class}


def impact_data(impact: Impact) -> dict[str, Any]:
    """The JSON form of ``vigie.cmdb.impact.Impact``."""
    return {
        "origins": [_item_brief(item) for item in impact.origins],
        "items": [
            {
                **_item_brief(entry.item),
                "depth": entry.depth,
                "path": [step.pk for step in entry.path],
                "kinds": list(entry.kinds),
            }
            for entry in impact.items
        ],
        "services": [
            {
                "id": entry.service.pk,
                "name": entry.service.name,
                "criticality": entry.criticality,
                "hourly_downtime_cost": str(entry.hourly_downtime_cost) if entry.hourly_downtime_cost is not None else None,
                "because_of": [item.pk for item in entry.because_of],
            }
            for entry in impact.services
        ],
        "degraded": [
            {
                "item": entry.item.pk if entry.item else None,
                "service": entry.service.pk if entry.service else None,
                "redundancy_group": entry.group_id,
                "up": entry.up,
                "needed": entry.needed,
                "total": entry.total,
            }
            for entry in impact.degraded
        ],
        "users": [{"id": user.pk, "name": str(user)} for user in impact.users],
        "hourly_downtime_cost": str(impact.hourly_downtime_cost),
    }
