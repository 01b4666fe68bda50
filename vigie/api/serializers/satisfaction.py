"""Satisfaction surveys as the API shows them: read-only, never the signed links."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vigie.api.serializers.common import OrganizationBriefSerializer, UserBriefSerializer
from vigie.servicedesk import satisfaction
from vigie.servicedesk.models import SatisfactionSurvey, Ticket

STATE_CHOICES = [(state.value, label) for state, label in satisfaction.STATE_LABELS.items()]


class SurveyStateMixin(serializers.Serializer[SatisfactionSurvey]):
    state = serializers.SerializerMethodField(help_text=_("open, answered, expired or withdrawn (the ticket was reopened)."))

    @extend_schema_field(serializers.ChoiceField(choices=STATE_CHOICES))
    def get_state(self, survey: SatisfactionSurvey) -> str:
        return satisfaction.state_of(survey).value


class SurveyAnswerSerializer(SurveyStateMixin, serializers.ModelSerializer[SatisfactionSurvey]):
    """A ticket's latest survey, inside the ticket's representation."""

    class Meta:
        model = SatisfactionSurvey
        fields = ["state", "rating", "comment", "sent_at", "expires_at", "answered_at"]
        read_only_fields = fields


class TicketBriefSerializer(serializers.ModelSerializer[Ticket]):
    class Meta:
        model = Ticket
        fields = ["id", "reference", "title"]
        read_only_fields = fields


class SurveySerializer(SurveyStateMixin, serializers.ModelSerializer[SatisfactionSurvey]):
    ticket = TicketBriefSerializer(read_only=True)
    organization = OrganizationBriefSerializer(source="ticket.organization", read_only=True)
    recipient = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = SatisfactionSurvey
        fields = [
            "id",
            "ticket",
            "organization",
            "recipient",
            "state",
            "rating",
            "comment",
            "sent_at",
            "expires_at",
            "answered_at",
            "withdrawn_at",
        ]
        read_only_fields = fields
