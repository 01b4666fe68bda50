"""Changes (RFCs), standard change templates and freeze periods."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vigie.accounts.models import User
from vigie.api.base import StrictFieldsMixin, StrictSerializer, acting_user, scope_queryset
from vigie.catalog.models import BusinessService
from vigie.changes import config, planning
from vigie.changes.models import (
    Change,
    ChangeApproval,
    ChangeTemplate,
    ChangeType,
    ClientApproval,
    FreezePeriod,
    ReviewOutcome,
    RiskLevel,
)
from vigie.cmdb.models import ConfigurationItem
from vigie.tenancy.access import staff_visible_to
from vigie.tenancy.models import Organization, OrganizationKind, TechnicianGroup


class ApprovalSerializer(serializers.ModelSerializer[ChangeApproval]):
    approver_name = serializers.CharField(source="approver.get_full_name", read_only=True)

    class Meta:
        model = ChangeApproval
        fields = ["approver", "approver_name", "role", "decision", "comment", "decided_at"]
        read_only_fields = fields


class ChangeSerializer(serializers.ModelSerializer[Change]):
    """A change as it reads; writes go through ``ChangeInputSerializer`` and the actions."""

    services = serializers.PrimaryKeyRelatedField[BusinessService](many=True, read_only=True)
    configuration_items = serializers.PrimaryKeyRelatedField[ConfigurationItem](many=True, read_only=True)
    caused_incidents = serializers.SlugRelatedField[Any](many=True, read_only=True, slug_field="reference")
    approvals = ApprovalSerializer(many=True, read_only=True)
    needs_client_approval = serializers.BooleanField(read_only=True)
    conflicts = serializers.SerializerMethodField(help_text=_("References of the changes in conflict with this one."))
    freezes = serializers.SerializerMethodField(help_text=_("Freeze periods the planned window overlaps."))

    class Meta:
        model = Change
        fields = [
            "id",
            "reference",
            "organization",
            "title",
            "type",
            "status",
            "template",
            "reason",
            "description",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "requested_by",
            "owner",
            "group",
            "services",
            "configuration_items",
            "caused_incidents",
            "risk_score",
            "risk_level",
            "client_approval",
            "needs_client_approval",
            "expected_downtime_minutes",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "submitted_at",
            "approved_at",
            "closed_at",
            "freeze_override_by",
            "freeze_override_at",
            "freeze_override_reason",
            "review_outcome",
            "review_notes",
            "reviewed_at",
            "reviewed_by",
            "approvals",
            "conflicts",
            "freezes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_conflicts(self, change: Change) -> list[str]:
        return [conflict.other.reference for conflict in planning.conflicts_for(change)]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_freezes(self, change: Change) -> list[str]:
        return [freeze.name for freeze in planning.freezes_for(change)]


class ChangeInputSerializer(StrictSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), help_text=_("The client."))
    title = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=ChangeType.choices, required=False)
    template = serializers.PrimaryKeyRelatedField(queryset=ChangeTemplate.objects.none(), required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    implementation_plan = serializers.CharField(required=False, allow_blank=True)
    backout_plan = serializers.CharField(required=False, allow_blank=True)
    test_plan = serializers.CharField(required=False, allow_blank=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    group = serializers.PrimaryKeyRelatedField(queryset=TechnicianGroup.objects.none(), required=False, allow_null=True)
    services = serializers.PrimaryKeyRelatedField(many=True, queryset=BusinessService.objects.none(), required=False)
    configuration_items = serializers.PrimaryKeyRelatedField(many=True, queryset=ConfigurationItem.objects.none(), required=False)
    client_approval = serializers.ChoiceField(choices=ClientApproval.choices, required=False)
    expected_downtime_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=525600)
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(required=False, allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        user = request.user
        scope_queryset(self, "organization", Organization.objects.visible_to(user).clients())
        scope_queryset(self, "template", ChangeTemplate.objects.visible_to(user))
        scope_queryset(self, "owner", staff_visible_to(user))
        scope_queryset(self, "group", TechnicianGroup.objects.filter(organization__kind=OrganizationKind.PROVIDER))
        scope_queryset(self, "services", BusinessService.objects.visible_to(user))
        scope_queryset(self, "configuration_items", ConfigurationItem.objects.visible_to(user))


class ScheduleSerializer(StrictSerializer):
    override_freeze = serializers.BooleanField(
        required=False, default=False, help_text=_("Schedule inside a freeze period (change managers).")
    )
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Lessons learned."))


class DecisionSerializer(StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Required to reject."))


class RiskSerializer(StrictSerializer):
    answers = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Question id → answer id, for every active question.")
    )


class IncidentsSerializer(StrictSerializer):
    add = serializers.ListField(child=serializers.CharField(), required=False, default=list, help_text=_("Ticket references."))
    remove = serializers.ListField(child=serializers.CharField(), required=False, default=list)


def _scope_configuration_organization(serializer: serializers.BaseSerializer[Any]) -> None:
    request = serializer.context.get("request")
    if request is not None:
        from vigie.changes.models import configuration_organization_ids

        scope_queryset(
            serializer, "organization", Organization.objects.filter(pk__in=configuration_organization_ids(request.user))
        )


class ChangeTemplateSerializer(StrictFieldsMixin, serializers.ModelSerializer[ChangeTemplate]):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), help_text=_("The provider (every client) or one client.")
    )
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)

    class Meta:
        model = ChangeTemplate
        fields = [
            "id",
            "organization",
            "name",
            "description",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "risk_level",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_configuration_organization(self)

    def create(self, validated_data: dict[str, Any]) -> ChangeTemplate:
        return config.create_template(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: ChangeTemplate, validated_data: dict[str, Any]) -> ChangeTemplate:
        return config.update_template(instance, by=acting_user(self.context["request"]), **validated_data)


class FreezePeriodSerializer(StrictFieldsMixin, serializers.ModelSerializer[FreezePeriod]):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), help_text=_("The provider (every client) or one client.")
    )

    class Meta:
        model = FreezePeriod
        fields = ["id", "organization", "name", "reason", "starts_at", "ends_at", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_configuration_organization(self)

    def create(self, validated_data: dict[str, Any]) -> FreezePeriod:
        return config.create_freeze(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: FreezePeriod, validated_data: dict[str, Any]) -> FreezePeriod:
        return config.update_freeze(instance, by=acting_user(self.context["request"]), **validated_data)
