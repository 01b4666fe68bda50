"""Service-level configuration (calendars with their ranges and closures, SLA policies with their
targets and escalation rules, business services) and the clocks of a ticket.

Input is typed here; every rule (overlapping ranges, unknown holiday regions, contradictory
policies…) is the services' to check, so the API answers exactly what the staff pages show.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vigie.accounts.models import User
from vigie.api.base import StrictFieldsMixin, StrictSerializer, acting_user, scope_queryset
from vigie.catalog import services as catalog_services
from vigie.catalog.models import BusinessService
from vigie.servicedesk.models import Category, Priority, TicketStatus
from vigie.sla import services
from vigie.sla.models import (
    BusinessCalendar,
    ClockKind,
    ClockState,
    EscalationAction,
    SlaPolicy,
    TicketSla,
    Weekday,
)
from vigie.sla.permissions import readable_organization_ids
from vigie.sla.validation import ClosureSpec, EscalationSpec, RangeSpec, TargetSpec
from vigie.tenancy.access import groups_visible_to, staff_visible_to, users_visible_to
from vigie.tenancy.models import Organization, TechnicianGroup


def _readable_organizations(serializer: serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    if request is None:
        return Organization.objects.none()
    return Organization.objects.filter(pk__in=readable_organization_ids(request.user))


def _readable_calendars(serializer: serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    if request is None:
        return BusinessCalendar.objects.none()
    return BusinessCalendar.objects.visible_to(request.user).filter(organization_id__in=readable_organization_ids(request.user))


class _OrganizationOnCreateMixin:
    """The organisation is chosen when the object is created and never changes: required on
    POST, optional on PUT and PATCH (the services refuse another one)."""

    fields: Any
    instance: Any

    def _scope_organization(self) -> None:
        field: Any = self.fields["organization"]
        field.queryset = _readable_organizations(self)  # type: ignore[arg-type]
        if self.instance is not None:
            field.required = False


# --- calendars ------------------------------------------------------------------------------------


class OpeningRangeSerializer(StrictSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text=_("0 = Monday … 6 = Sunday."))
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M", help_text=_("00:00 means midnight at the end of the day."))


class ClosureSerializer(StrictSerializer):
    date = serializers.DateField()
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CalendarSerializer(_OrganizationOnCreateMixin, StrictFieldsMixin, serializers.ModelSerializer[BusinessCalendar]):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), help_text=_("A client, or the provider for a calendar every client may use.")
    )
    ranges = OpeningRangeSerializer(many=True, required=False, help_text=_("Given, it replaces the whole list."))
    closures = ClosureSerializer(many=True, required=False, help_text=_("Given, it replaces the whole list."))

    class Meta:
        model = BusinessCalendar
        fields = [
            "id",
            "organization",
            "name",
            "time_zone",
            "is_24x7",
            "holiday_country",
            "holiday_subdivision",
            "ranges",
            "closures",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []  # the services check the name per organisation
        extra_kwargs = {
            "holiday_country": {"max_length": 8},
            "holiday_subdivision": {"max_length": 40},
            "time_zone": {"max_length": 200},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope_organization()

    @staticmethod
    def _specs(validated: dict[str, Any]) -> dict[str, Any]:
        specs: dict[str, Any] = {}
        if "ranges" in validated:
            specs["ranges"] = [RangeSpec(int(r["weekday"]), r["start"], r["end"]) for r in validated.pop("ranges")]
        if "closures" in validated:
            specs["closures"] = [ClosureSpec(c["date"], c.get("name", "")) for c in validated.pop("closures")]
        return specs

    def create(self, validated_data: dict[str, Any]) -> BusinessCalendar:
        specs = self._specs(validated_data)
        return services.create_calendar(by=acting_user(self.context["request"]), **validated_data, **specs)

    def update(self, instance: BusinessCalendar, validated_data: dict[str, Any]) -> BusinessCalendar:
        specs = self._specs(validated_data)
        return services.update_calendar(instance, by=acting_user(self.context["request"]), **validated_data, **specs)


# --- policies -------------------------------------------------------------------------------------


class TargetSerializer(StrictSerializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    response_minutes = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("Business minutes; null for no response target.")
    )
    resolution_minutes = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("Business minutes; null for no resolution target.")
    )
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Null: the policy's calendar."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["calendar"]
        field.queryset = _readable_calendars(self)


class EscalationRuleSerializer(StrictSerializer):
    id = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Give the id of an existing rule to keep it (and when it fired).")
    )
    clock = serializers.ChoiceField(choices=ClockKind.choices, default=ClockKind.RESOLUTION)
    at_percent = serializers.IntegerField(default=100, help_text=_("Share of the target; 100 = at the breach."))
    priorities = serializers.ListField(
        child=serializers.ChoiceField(choices=Priority.choices),
        required=False,
        default=list,
        help_text=_("Empty: every priority."),
    )
    action = serializers.ChoiceField(choices=EscalationAction.choices, default=EscalationAction.NOTIFY)
    notify_assignee = serializers.BooleanField(default=True)
    notify_group_lead = serializers.BooleanField(default=True)
    notify_client_manager = serializers.BooleanField(default=False)
    reassign_group = serializers.PrimaryKeyRelatedField(
        queryset=TechnicianGroup.objects.none(), required=False, allow_null=True, default=None
    )
    reassign_user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False, allow_null=True, default=None
    )
    is_active = serializers.BooleanField(default=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            group_field: Any = self.fields["reassign_group"]
            group_field.queryset = groups_visible_to(request.user)
            user_field: Any = self.fields["reassign_user"]
            user_field.queryset = staff_visible_to(request.user)


class SlaPolicySerializer(_OrganizationOnCreateMixin, StrictFieldsMixin, serializers.ModelSerializer[SlaPolicy]):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), help_text=_("The client."))
    calendar = serializers.PrimaryKeyRelatedField(queryset=BusinessCalendar.objects.none())
    category = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Category.objects.all(), required=False, allow_null=True, help_text=_("Null: every category.")
    )
    response_pause_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=TicketStatus.choices), required=False, help_text=_("Open statuses only.")
    )
    resolution_pause_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=TicketStatus.choices),
        required=False,
        help_text=_("Open statuses only; by default “waiting for customer”."),
    )
    targets = TargetSerializer(many=True, required=False, help_text=_("One per priority; given, it replaces the whole list."))
    escalations = EscalationRuleSerializer(
        many=True, required=False, help_text=_("Given, it replaces the whole list; rules given with their id are kept.")
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "organization",
            "name",
            "order",
            "ticket_type",
            "category",
            "calendar",
            "at_risk_percent",
            "response_pause_statuses",
            "resolution_pause_statuses",
            "is_active",
            "targets",
            "escalations",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope_organization()
        calendar_field: Any = self.fields["calendar"]
        calendar_field.queryset = _readable_calendars(self)
        if self.instance is not None:
            calendar_field.required = False

    @staticmethod
    def _specs(validated: dict[str, Any]) -> dict[str, Any]:
        specs: dict[str, Any] = {}
        if "targets" in validated:
            specs["targets"] = [
                TargetSpec(int(t["priority"]), t.get("response_minutes"), t.get("resolution_minutes"), t.get("calendar"))
                for t in validated.pop("targets")
            ]
        if "escalations" in validated:
            specs["escalations"] = [
                EscalationSpec(
                    id=rule.get("id"),
                    clock=rule["clock"],
                    at_percent=rule["at_percent"],
                    priorities=[int(p) for p in rule.get("priorities", [])],
                    action=rule["action"],
                    notify_assignee=rule["notify_assignee"],
                    notify_group_lead=rule["notify_group_lead"],
                    notify_client_manager=rule["notify_client_manager"],
                    reassign_group=rule.get("reassign_group"),
                    reassign_user=rule.get("reassign_user"),
                    is_active=rule["is_active"],
                )
                for rule in validated.pop("escalations")
            ]
        return specs

    def create(self, validated_data: dict[str, Any]) -> SlaPolicy:
        specs = self._specs(validated_data)
        return services.create_policy(by=acting_user(self.context["request"]), **validated_data, **specs)

    def update(self, instance: SlaPolicy, validated_data: dict[str, Any]) -> SlaPolicy:
        specs = self._specs(validated_data)
        return services.update_policy(instance, by=acting_user(self.context["request"]), **validated_data, **specs)


# --- business services ----------------------------------------------------------------------------


class BusinessServiceSerializer(_OrganizationOnCreateMixin, StrictFieldsMixin, serializers.ModelSerializer[BusinessService]):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), help_text=_("The client."))
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.none(), required=False, allow_null=True, help_text=_("Null: around the clock.")
    )
    rto_minutes = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Recovery time objective, in minutes; null: not set.")
    )
    rpo_minutes = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Recovery point objective, in minutes; null: not set.")
    )
    sla_policy = serializers.PrimaryKeyRelatedField(
        queryset=SlaPolicy.objects.none(), required=False, allow_null=True, help_text=_("An SLA policy of the same client.")
    )

    class Meta:
        model = BusinessService
        fields = [
            "id",
            "organization",
            "name",
            "description",
            "owner",
            "criticality",
            "hourly_downtime_cost",
            "calendar",
            "rto_minutes",
            "rpo_minutes",
            "sla_policy",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope_organization()
        request = self.context.get("request")
        if request is not None:
            scope_queryset(self, "owner", users_visible_to(request.user).filter(Q(is_active=True)))
            scope_queryset(
                self,
                "sla_policy",
                SlaPolicy.objects.visible_to(request.user).filter(organization_id__in=readable_organization_ids(request.user)),
            )
        calendar_field: Any = self.fields["calendar"]
        calendar_field.queryset = _readable_calendars(self)

    def create(self, validated_data: dict[str, Any]) -> BusinessService:
        return catalog_services.create_service(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: BusinessService, validated_data: dict[str, Any]) -> BusinessService:
        return catalog_services.update_service(instance, by=acting_user(self.context["request"]), **validated_data)


# --- the clocks of a ticket -------------------------------------------------------------------------


class SlaClockSerializer(serializers.Serializer[Any]):
    state = serializers.ChoiceField(choices=ClockState.choices)
    state_label = serializers.CharField()
    target_minutes = serializers.IntegerField(allow_null=True, help_text=_("In business minutes."))
    due_at = serializers.DateTimeField(allow_null=True, help_text=_("Null while paused or once stopped."))
    elapsed_seconds = serializers.IntegerField(help_text=_("Business time used."))
    met = serializers.BooleanField(allow_null=True, help_text=_("The outcome once the clock stopped."))


class SlaResolutionClockSerializer(SlaClockSerializer):
    paused_seconds = serializers.IntegerField(help_text=_("Business time spent paused."))


class SlaPolicyBriefSerializer(serializers.ModelSerializer[SlaPolicy]):
    class Meta:
        model = SlaPolicy
        fields = ["id", "name"]
        read_only_fields = fields


def _clock(sla: TicketSla, kind: str) -> dict[str, Any]:
    state = getattr(sla, f"{kind}_state")
    due = getattr(sla, f"{kind}_due_at")
    data: dict[str, Any] = {
        "state": state,
        "state_label": str(ClockState(state).label) if state in ClockState.values else state,
        "target_minutes": getattr(sla, f"{kind}_target_minutes"),
        "due_at": serializers.DateTimeField().to_representation(due) if due else None,
        "elapsed_seconds": getattr(sla, f"{kind}_elapsed_seconds"),
        "met": getattr(sla, f"{kind}_met"),
    }
    if kind == ClockKind.RESOLUTION:
        data["paused_seconds"] = sla.resolution_paused_seconds
    return data


class TicketSlaSerializer(serializers.ModelSerializer[TicketSla]):
    """The clocks of a ticket as last computed (null before the first computation)."""

    policy = SlaPolicyBriefSerializer(read_only=True, allow_null=True)
    response = serializers.SerializerMethodField()
    resolution = serializers.SerializerMethodField()

    class Meta:
        model = TicketSla
        fields = ["policy", "response", "resolution", "imported", "computed_at"]
        read_only_fields = fields

    @extend_schema_field(SlaClockSerializer)
    def get_response(self, sla: TicketSla) -> dict[str, Any]:
        return _clock(sla, ClockKind.RESPONSE)

    @extend_schema_field(SlaResolutionClockSerializer)
    def get_resolution(self, sla: TicketSla) -> dict[str, Any]:
        return _clock(sla, ClockKind.RESOLUTION)
