"""Request templates, the catalog a caller can order from, and ordered requests (answers,
approval, fulfilment tasks)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.accounts.models import User
from vigie.api.base import StrictFieldsMixin, StrictSerializer, acting_user, scope_queryset
from vigie.catalog import template_services
from vigie.catalog.models import (
    ApprovalRule,
    BusinessService,
    FieldKind,
    FulfilmentTask,
    RequestField,
    RequestTemplate,
    ServiceRequest,
    TaskFlow,
    TemplateAudience,
)
from vigie.catalog.template_services import FieldSpec, TaskSpec
from vigie.servicedesk.models import Category, Level
from vigie.sla.permissions import readable_organization_ids
from vigie.tenancy.access import access_for, groups_visible_to, users_visible_to
from vigie.tenancy.models import Organization, TechnicianGroup


class RequestFieldSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True, help_text=_("The key of the answer when ordering."))
    label = serializers.CharField(max_length=150)  # type: ignore[assignment]
    kind = serializers.ChoiceField(choices=FieldKind.choices, default=FieldKind.SHORT_TEXT)
    required = serializers.BooleanField(default=False)  # type: ignore[assignment]
    help_text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")  # type: ignore[assignment]
    choices = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)


class TaskTemplateSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    group = serializers.PrimaryKeyRelatedField(
        queryset=TechnicianGroup.objects.none(), required=False, allow_null=True, help_text=_("A technician group.")
    )


class RequestTemplateSerializer(StrictFieldsMixin, serializers.ModelSerializer[RequestTemplate]):
    audience = serializers.ChoiceField(choices=TemplateAudience.choices, default=TemplateAudience.ALL_CLIENTS)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), required=False, allow_null=True, help_text=_("The client of a one-client template.")
    )
    clients = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), many=True, required=False, help_text=_("For the audience “chosen”.")
    )
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    service = serializers.PrimaryKeyRelatedField(queryset=BusinessService.objects.none(), required=False, allow_null=True)
    impact = serializers.ChoiceField(choices=Level.choices, default=Level.MEDIUM)
    urgency = serializers.ChoiceField(choices=Level.choices, default=Level.MEDIUM)
    group = serializers.PrimaryKeyRelatedField(queryset=TechnicianGroup.objects.none(), required=False, allow_null=True)
    approval = serializers.ChoiceField(choices=ApprovalRule.choices, default=ApprovalRule.NONE)
    approver = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    task_flow = serializers.ChoiceField(choices=TaskFlow.choices, default=TaskFlow.SEQUENTIAL)
    questions = RequestFieldSerializer(
        many=True, required=False, source="fields", help_text=_("The form's questions; given: replaces them.")
    )
    tasks = TaskTemplateSerializer(many=True, required=False, help_text=_("Given: replaces the fulfilment tasks."))

    class Meta:
        model = RequestTemplate
        fields = [
            "id",
            "name",
            "description",
            "icon",
            "audience",
            "organization",
            "clients",
            "category",
            "service",
            "impact",
            "urgency",
            "group",
            "approval",
            "approver",
            "task_flow",
            "is_published",
            "questions",
            "tasks",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        user = request.user
        readable = Organization.objects.clients().filter(pk__in=readable_organization_ids(user))
        scope_queryset(self, "organization", readable)
        scope_queryset(self, "clients", readable)
        scope_queryset(self, "service", BusinessService.objects.visible_to(user).filter(organization__in=readable))
        scope_queryset(self, "group", groups_visible_to(user))
        scope_queryset(self, "approver", users_visible_to(user))
        tasks: Any = self.fields["tasks"]
        tasks.child.fields["group"].queryset = groups_visible_to(user)

    def to_representation(self, instance: RequestTemplate) -> dict[str, Any]:
        data = super().to_representation(instance)
        # Only the clients the reader may see.
        request = self.context.get("request")
        if request is not None and not access_for(request.user).is_admin:
            visible = access_for(request.user).organization_ids
            data["clients"] = [pk for pk in data["clients"] if pk in visible]
        return data

    def _specs(self, validated: dict[str, Any]) -> dict[str, Any]:
        if "fields" in validated:
            validated["fields"] = [
                FieldSpec(f["label"], f["kind"], f["required"], f["help_text"], f["choices"]) for f in validated["fields"]
            ]
        if "tasks" in validated:
            validated["tasks"] = [TaskSpec(t["title"], t["description"], t.get("group")) for t in validated["tasks"]]
        return validated

    def create(self, validated_data: dict[str, Any]) -> RequestTemplate:
        return template_services.create_template(by=acting_user(self.context["request"]), **self._specs(validated_data))

    def update(self, instance: RequestTemplate, validated_data: dict[str, Any]) -> RequestTemplate:
        return template_services.update_template(instance, by=acting_user(self.context["request"]), **self._specs(validated_data))


class CatalogFieldSerializer(serializers.ModelSerializer[RequestField]):
    class Meta:
        model = RequestField
        fields = ["id", "label", "kind", "required", "help_text", "choices"]


class CatalogItemSerializer(serializers.ModelSerializer[RequestTemplate]):
    """What an employee sees of a template: enough to fill its form."""

    questions = CatalogFieldSerializer(many=True, read_only=True, source="fields")
    category: Any = serializers.StringRelatedField()

    class Meta:
        model = RequestTemplate
        fields = ["id", "name", "description", "icon", "category", "approval", "questions"]


class OrderSerializer(StrictSerializer):
    answers = serializers.DictField(
        required=False, default=dict, help_text=_('Answers keyed by the question\'s id, e.g. {"12": "Jeanne Roux"}.')
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("The client company; needed only when the caller belongs to several, or is provider staff."),
    )
    requester = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False, allow_null=True, help_text=_("Order on someone's behalf (staff, managers).")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            scope_queryset(
                self, "organization", Organization.objects.clients().filter(pk__in=access_for(request.user).client_ids)
            )
            scope_queryset(self, "requester", users_visible_to(request.user))


class FulfilmentTaskSerializer(serializers.ModelSerializer[FulfilmentTask]):
    finished_by: Any = serializers.StringRelatedField()
    assignee: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    group: Any = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = FulfilmentTask
        fields = ["id", "title", "description", "group", "assignee", "order", "state", "finished_by", "finished_at", "note"]


class CatalogRequestSerializer(serializers.ModelSerializer[ServiceRequest]):
    ticket: Any = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    ticket_status = serializers.CharField(source="ticket.status", read_only=True)
    decided_by: Any = serializers.StringRelatedField()
    tasks = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRequest
        fields = [
            "ticket",
            "ticket_status",
            "template",
            "template_name",
            "answers",
            "approval_rule",
            "approver",
            "approval_state",
            "decided_by",
            "decided_at",
            "decision_comment",
            "task_flow",
            "tasks",
            "created_at",
        ]
        read_only_fields = fields

    def get_tasks(self, obj: ServiceRequest) -> list[dict[str, Any]]:
        """Fulfilment tasks are the provider's work: listed for its staff, counted for others."""
        request = self.context.get("request")
        if request is not None and not access_for(request.user).is_staff_member:
            return [{"title": task.title, "state": task.state} for task in obj.tasks.all()]
        return list(FulfilmentTaskSerializer(obj.tasks.all(), many=True).data)


class DecisionSerializer(StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TaskNoteSerializer(StrictSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
