"""Satisfaction surveys: a read-only list of the surveys whose tickets the caller can see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets

from vigie.api.filters import FILTER_BACKENDS, visible_organizations
from vigie.api.serializers.satisfaction import SurveySerializer
from vigie.servicedesk.models import SatisfactionSurvey


class SurveyFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(
        queryset=visible_organizations, field_name="ticket__organization", label=_("Client (id)")
    )
    client = filters.CharFilter(field_name="ticket__organization__slug", label=_("Client (short name)"))
    ticket = filters.CharFilter(field_name="ticket__reference", label=_("Ticket reference"))
    answered = filters.BooleanFilter(field_name="rating", lookup_expr="isnull", exclude=True, label=_("Answered"))
    rating = filters.NumberFilter()
    sent_after = filters.IsoDateTimeFilter(field_name="sent_at", lookup_expr="gte")
    sent_before = filters.IsoDateTimeFilter(field_name="sent_at", lookup_expr="lt")

    class Meta:
        model = SatisfactionSurvey
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary=_("Satisfaction surveys of the tickets the caller can see, newest first"),
        description=_(
            "Provider staff see the surveys of the clients they serve, a client manager or IT contact "
            "those of the company, a requester their own. The links sent by e-mail are never shown."
        ),
    )
)
class SurveyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[SatisfactionSurvey]):
    serializer_class = SurveySerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = SurveyFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["sent_at", "answered_at", "rating"]
    ordering = ["-sent_at"]

    def get_queryset(self) -> QuerySet[SatisfactionSurvey]:
        surveys = SatisfactionSurvey.objects.visible_to(self.request.user)
        return surveys.select_related("ticket__organization", "recipient")
