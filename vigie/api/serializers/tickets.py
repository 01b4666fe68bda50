"""Tickets: how they read, and the inputs of every write (create, update, assign, status, watchers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vigie.accounts.models import User
from vigie.api.base import StrictSerializer, scope_queryset
from vigie.api.serializers.common import (
    CategoryBriefSerializer,
    GroupBriefSerializer,
    OrganizationBriefSerializer,
    SiteBriefSerializer,
    UserBriefSerializer,
)
from vigie.api.serializers.satisfaction import SurveyAnswerSerializer
from vigie.api.serializers.sla import TicketSlaSerializer
from vigie.servicedesk import workflow
from vigie.servicedesk.models import Category, Channel, Level, SatisfactionSurvey, Ticket, TicketStatus, TicketType
from vigie.tenancy.access import access_for, groups_visible_to, staff_visible_to, users_visible_to
from vigie.tenancy.models import Organization, Site, TechnicianGroup

# The channels a ticket opened through the API may record (staff logging a call, a mail…).
INPUT_CHANNELS = [(c.value, c.label) for c in (Channel.API, Channel.PHONE, Channel.EMAIL, Channel.PORTAL)]


class TicketSerializer(serializers.ModelSerializer[Ticket]):
    organization = OrganizationBriefSerializer(read_only=True)
    requester = UserBriefSerializer(read_only=True)
    assignee = UserBriefSerializer(read_only=True)
    group = GroupBriefSerializer(read_only=True)
    category = CategoryBriefSerializer(read_only=True)
    site = SiteBriefSerializer(read_only=True)
    watchers = UserBriefSerializer(many=True, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    priority_label = serializers.CharField(source="get_priority_display", read_only=True)
    allowed_statuses = serializers.SerializerMethodField(
        help_text=_("The statuses the workflow allows next (the caller's rights aside).")
    )
    satisfaction = serializers.SerializerMethodField(
        help_text=_("The latest satisfaction survey of the ticket (null when none was sent).")
    )
    sla = TicketSlaSerializer(
        read_only=True, allow_null=True, help_text=_("The SLA clocks as last computed; null before any computation.")
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "type",
            "title",
            "description",
            "status",
            "status_label",
            "allowed_statuses",
            "impact",
            "urgency",
            "priority",
            "priority_label",
            "organization",
            "requester",
            "site",
            "assignee",
            "group",
            "category",
            "watchers",
            "channel",
            "created_at",
            "updated_at",
            "last_activity_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "resolution",
            "reopen_count",
            "reassignment_count",
            "satisfaction",
            "sla",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=TicketStatus.choices)))
    def get_allowed_statuses(self, ticket: Ticket) -> list[str]:
        return workflow.allowed_targets(ticket.status)

    @extend_schema_field(SurveyAnswerSerializer(allow_null=True))
    def get_satisfaction(self, ticket: Ticket) -> dict[str, Any] | None:
        # The ticket lists prefetch the surveys; the newest is the one that counts.
        surveys: list[SatisfactionSurvey] = list(ticket.surveys.all())
        if not surveys:
            return None
        latest = max(surveys, key=lambda survey: (survey.sent_at, survey.pk))
        return dict(SurveyAnswerSerializer(latest, context=self.context).data)


def _scope_people_fields(serializer: serializers.Serializer[Any], names: tuple[str, ...]) -> None:
    """Relation fields only resolve ids the caller can see: another tenant's id is "does not exist"."""
    request = serializer.context.get("request")
    if request is None:
        return
    user = request.user
    querysets: dict[str, Callable[[], QuerySet[Any]]] = {
        "organization": lambda: Organization.objects.visible_to(user).clients(),
        "requester": lambda: users_visible_to(user).filter(is_active=True),
        "watchers": lambda: users_visible_to(user).filter(is_active=True),
        "assignee": lambda: staff_visible_to(user),
        "group": lambda: groups_visible_to(user),
        "site": lambda: Site.objects.filter(organization__in=Organization.objects.visible_to(user)),
        "category": lambda: Category.objects.all(),
    }
    submitted = getattr(serializer, "initial_data", None)
    for name in names:
        # Validating input only resolves the fields it carries; a form rendered for the
        # browsable API (no input) offers every field's choices.
        if submitted is None or name in submitted:
            scope_queryset(serializer, name, querysets[name]())


class TicketCreateSerializer(StrictSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("The client company. Required for provider staff; defaults to the caller's company."),
    )
    type = serializers.ChoiceField(choices=TicketType.choices, default=TicketType.INCIDENT)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    impact = serializers.ChoiceField(choices=Level.choices, default=Level.MEDIUM)
    urgency = serializers.ChoiceField(choices=Level.choices, default=Level.MEDIUM)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.none(), required=False, allow_null=True)
    requester = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Defaults to the caller for client users."),
    )
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.none(), required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    group = serializers.PrimaryKeyRelatedField(queryset=TechnicianGroup.objects.none(), required=False, allow_null=True)
    watchers = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), many=True, required=False)
    channel = serializers.ChoiceField(
        choices=INPUT_CHANNELS,
        default=Channel.API,
        help_text=_("Where the request came from; only provider staff may record another channel than the API."),
    )
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text=_("Attachments (multipart requests only).")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_people_fields(self, ("organization", "requester", "watchers", "assignee", "group", "site", "category"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        access = access_for(user)
        if attrs.get("organization") is None:
            own = sorted(access.client_ids) if not access.is_staff_member else []
            if len(own) != 1:
                raise serializers.ValidationError({"organization": _("Say which client company the ticket is for.")})
            attrs["organization"] = Organization.objects.get(pk=own[0])
        if not access.is_staff_member and attrs.get("channel", Channel.API) != Channel.API:
            raise serializers.ValidationError({"channel": _("Only the provider's staff can record another channel.")})
        return attrs


class TicketUpdateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    impact = serializers.ChoiceField(choices=Level.choices, required=False)
    urgency = serializers.ChoiceField(choices=Level.choices, required=False)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.none(), required=False, allow_null=True)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.none(), required=False, allow_null=True)
    requester = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_people_fields(self, ("category", "site", "requester"))


class AssignSerializer(StrictSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False, allow_null=True, help_text=_("Omit to keep; null to unassign.")
    )
    group = serializers.PrimaryKeyRelatedField(
        queryset=TechnicianGroup.objects.none(), required=False, allow_null=True, help_text=_("Omit to keep; null to clear.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_people_fields(self, ("assignee", "group"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "assignee" not in attrs and "group" not in attrs:
            raise serializers.ValidationError({"assignee": _("Give an assignee, a group or both.")})
        return attrs


class StatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")


class ResolveSerializer(StrictSerializer):
    resolution = serializers.CharField(help_text=_("How the ticket was resolved; the requester reads it."))


class WatchersSerializer(StrictSerializer):
    watchers = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), many=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_people_fields(self, ("watchers",))
