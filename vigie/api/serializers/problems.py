"""Problems and known errors: how they read, and the inputs of every write and action.

Relations resolve only what the caller can see (another client's incident reads "does not
exist", like an id never used); every rule is the services' to check."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vigie.accounts.models import User
from vigie.api.base import StrictFieldsMixin, StrictSerializer, scope_queryset
from vigie.api.serializers.common import (
    CategoryBriefSerializer,
    GroupBriefSerializer,
    OrganizationBriefSerializer,
    UserBriefSerializer,
)
from vigie.catalog.models import BusinessService
from vigie.changes.models import Change
from vigie.problems.models import KnownError, Problem
from vigie.servicedesk.models import Category, Level, Ticket
from vigie.tenancy.access import groups_visible_to, staff_visible_to
from vigie.tenancy.models import Organization, TechnicianGroup


class IncidentBriefSerializer(serializers.ModelSerializer[Ticket]):
    class Meta:
        model = Ticket
        fields = ["id", "reference", "title", "status"]
        read_only_fields = fields


class ServiceBriefSerializer(serializers.ModelSerializer[BusinessService]):
    class Meta:
        model = BusinessService
        fields = ["id", "name"]
        read_only_fields = fields


class KnownErrorSerializer(serializers.ModelSerializer[KnownError]):
    organization = OrganizationBriefSerializer(read_only=True)
    problem = serializers.CharField(source="problem.reference", read_only=True, help_text=_("The problem's reference."))
    root_cause = serializers.CharField(source="problem.root_cause", read_only=True)
    published_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = KnownError
        fields = [
            "id",
            "problem",
            "organization",
            "title",
            "symptoms",
            "workaround",
            "root_cause",
            "status",
            "notify_requesters",
            "published_at",
            "published_by",
            "updated_at",
        ]
        read_only_fields = fields


class KnownErrorBriefSerializer(serializers.ModelSerializer[KnownError]):
    class Meta:
        model = KnownError
        fields = ["id", "title", "symptoms", "workaround", "status", "notify_requesters", "published_at"]
        read_only_fields = fields


class ProblemSerializer(serializers.ModelSerializer[Problem]):
    organization = OrganizationBriefSerializer(read_only=True)
    manager = UserBriefSerializer(read_only=True)
    group = GroupBriefSerializer(read_only=True)
    category = CategoryBriefSerializer(read_only=True)
    incidents = IncidentBriefSerializer(many=True, read_only=True)
    services = ServiceBriefSerializer(many=True, read_only=True)
    known_error = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    resolving_change: serializers.SlugRelatedField[Change] = serializers.SlugRelatedField(slug_field="reference", read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id",
            "reference",
            "organization",
            "title",
            "description",
            "status",
            "status_label",
            "impact",
            "urgency",
            "priority",
            "category",
            "manager",
            "group",
            "root_cause",
            "workaround",
            "resolution",
            "resolving_change",
            "incidents",
            "services",
            "known_error",
            "root_cause_at",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(KnownErrorBriefSerializer(allow_null=True))
    def get_known_error(self, problem: Problem) -> dict[str, Any] | None:
        known_error = getattr(problem, "known_error", None)
        return KnownErrorBriefSerializer(known_error).data if known_error is not None else None


def _request_user(serializer: serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    return request.user if request is not None else None


class IncidentReferenceField(serializers.SlugRelatedField[Ticket]):
    """An incident by reference (``INC-000012``), among the tickets the caller can see."""

    def to_internal_value(self, data: Any) -> Ticket:
        from django.http import Http404

        from vigie.api.views.common import normalize_reference

        try:
            data = normalize_reference(str(data))
        except Http404:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return super().to_internal_value(data)  # type: ignore[no-any-return]


def _scope_people(serializer: serializers.BaseSerializer[Any]) -> None:
    user = _request_user(serializer)
    scope_queryset(serializer, "manager", staff_visible_to(user))
    scope_queryset(serializer, "group", groups_visible_to(user))
    scope_queryset(serializer, "services", BusinessService.objects.visible_to(user))


class ProblemWriteSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    impact = serializers.ChoiceField(choices=Level.choices, required=False)
    urgency = serializers.ChoiceField(choices=Level.choices, required=False)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    manager = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    group = serializers.PrimaryKeyRelatedField(queryset=TechnicianGroup.objects.none(), required=False, allow_null=True)
    services = serializers.PrimaryKeyRelatedField(
        queryset=BusinessService.objects.none(), many=True, required=False, help_text=_("Affected business services.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_people(self)


class ProblemCreateSerializer(ProblemWriteSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), help_text=_("The client."))
    title = serializers.CharField(max_length=200)
    incidents = serializers.ListField(
        child=IncidentReferenceField(slug_field="reference", queryset=Ticket.objects.none()),
        required=False,
        help_text=_("References of the incidents it explains, e.g. INC-000012."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        scope_queryset(self, "organization", Organization.objects.visible_to(user).clients())
        self.fields["incidents"].child.queryset = Ticket.objects.visible_to(user)  # type: ignore[attr-defined]


class ProblemIncidentsSerializer(StrictSerializer):
    incidents = serializers.ListField(
        child=IncidentReferenceField(slug_field="reference", queryset=Ticket.objects.none()),
        allow_empty=False,
        help_text=_("References of incidents of the problem's client, e.g. INC-000012."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incidents"].child.queryset = Ticket.objects.visible_to(_request_user(self))  # type: ignore[attr-defined]


class ProblemRootCauseSerializer(StrictSerializer):
    root_cause = serializers.CharField()
    workaround = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)


class KnownErrorPublishSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    symptoms = serializers.CharField()
    workaround = serializers.CharField()
    notify_requesters = serializers.BooleanField(
        default=False, help_text=_("Also send the workaround to the requesters as a public reply.")
    )


class ProblemResolveSerializer(StrictSerializer):
    resolution = serializers.CharField()
    change = serializers.SlugRelatedField(
        slug_field="reference",
        queryset=Change.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Reference of the change that fixed it, e.g. CHG-000004."),
    )
    resolve_incidents = serializers.BooleanField(default=False, help_text=_("Resolve the open linked incidents too."))
    incident_resolution = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Empty: the problem's resolution.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_queryset(self, "change", Change.objects.visible_to(_request_user(self)))


class ProblemCancelSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
