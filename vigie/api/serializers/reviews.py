"""The monthly service review as JSON: the same figures as the page and the PDF.

Durations are in seconds, rates are fractions in [0, 1] (null when there was nothing to
measure), dates are ISO 8601; labels are in the language asked for.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.api.serializers.common import OrganizationBriefSerializer
from vigie.reports.kpis import TrendPoint
from vigie.reports.periods import Month
from vigie.reports.review import Review


class ReviewQuerySerializer(serializers.Serializer[Any]):
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, help_text=_("Language of the labels and of the PDF (default: the reader's).")
    )


class ReviewComplianceSerializer(serializers.Serializer[Any]):
    met = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ReviewDurationStatsSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)


class ReviewMttrSerializer(serializers.Serializer[Any]):
    business = ReviewDurationStatsSerializer(source="report.mttr_business")
    calendar = ReviewDurationStatsSerializer(source="report.mttr_calendar")


class ReviewMttaSerializer(serializers.Serializer[Any]):
    business = ReviewDurationStatsSerializer(source="report.mtta_business")
    calendar = ReviewDurationStatsSerializer(source="report.mtta_calendar")


class ReviewPriorityComplianceSerializer(serializers.Serializer[Any]):
    priority = serializers.IntegerField()
    name = serializers.CharField(source="label")
    response = ReviewComplianceSerializer()
    resolution = ReviewComplianceSerializer()


class ReviewSlaSerializer(serializers.Serializer[Any]):
    response = ReviewComplianceSerializer(source="report.response_compliance")
    resolution = ReviewComplianceSerializer(source="report.resolution_compliance")
    by_priority = ReviewPriorityComplianceSerializer(source="compliance_by_priority", many=True)


class ReviewTrendPointSerializer(serializers.Serializer[Any]):
    month = serializers.SerializerMethodField()
    opened = serializers.IntegerField()
    resolved = serializers.IntegerField()
    mttr_business_mean = serializers.FloatField(allow_null=True)
    resolution_compliance = ReviewComplianceSerializer()

    def get_month(self, point: TrendPoint) -> str:
        return str(Month.containing(point.month_start))


class ReviewVolumeSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField(source="label")
    count = serializers.IntegerField()


class ReviewVolumesSerializer(serializers.Serializer[Any]):
    opened = serializers.IntegerField(source="report.opened")
    resolved = serializers.IntegerField(source="report.resolved")
    backlog_at_end = serializers.IntegerField(source="report.backlog")
    by_type = ReviewVolumeSerializer(many=True)
    by_channel = ReviewVolumeSerializer(many=True)
    by_category = ReviewVolumeSerializer(many=True)


class ReviewRecurringCategorySerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    previous_months = serializers.IntegerField(source="previous", help_text=_("Tickets of this category in the 3 months before."))


class ReviewCommentSerializer(serializers.Serializer[Any]):
    ticket = serializers.CharField(source="reference")
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    answered_at = serializers.DateTimeField()


class ReviewSatisfactionSerializer(serializers.Serializer[Any]):
    csat = ReviewComplianceSerializer(source="report.csat")
    mean_rating = serializers.FloatField(source="report.csat_mean", allow_null=True)
    comments = ReviewCommentSerializer(many=True)


class ReviewBreachedTicketSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(source="ticket.reference")
    title = serializers.CharField(source="ticket.title")
    priority = serializers.IntegerField(source="ticket.priority")
    missed = serializers.ListField(child=serializers.ChoiceField(choices=["response", "resolution"]))
    causes = serializers.ListField(child=serializers.CharField())


class ReviewOpenTicketSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    title = serializers.CharField()
    priority = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    assignee = serializers.CharField(allow_null=True)


class ReviewOpenActionsSerializer(serializers.Serializer[Any]):
    high_priority = ReviewOpenTicketSerializer(source="open_high_priority", many=True)
    oldest = ReviewOpenTicketSerializer(source="oldest_open", many=True)


class ReviewAvailabilitySerializer(serializers.Serializer[Any]):
    service_id = serializers.IntegerField()
    service = serializers.CharField(source="service_name")
    rate = serializers.FloatField(allow_null=True)
    outage_seconds = serializers.IntegerField()
    period_seconds = serializers.IntegerField()
    incidents = serializers.IntegerField()


class ReviewSerializer(serializers.Serializer[Any]):
    organization = OrganizationBriefSerializer()
    month = serializers.CharField()
    start = serializers.DateTimeField(source="month.start")
    end = serializers.DateTimeField(source="month.end")
    language = serializers.CharField()
    generated_at = serializers.DateTimeField()
    sla = ReviewSlaSerializer(source="*")
    mttr = ReviewMttrSerializer(source="*")
    mtta = ReviewMttaSerializer(source="*")
    trend = ReviewTrendPointSerializer(many=True)
    volumes = ReviewVolumesSerializer(source="*")
    top_categories = ReviewRecurringCategorySerializer(many=True)
    satisfaction = ReviewSatisfactionSerializer(source="*")
    breached_total = serializers.IntegerField()
    breached_tickets = ReviewBreachedTicketSerializer(source="breached", many=True)
    open_actions = ReviewOpenActionsSerializer(source="*")
    availability = ReviewAvailabilitySerializer(many=True)
    pdf = serializers.SerializerMethodField(help_text=_("The same review as a PDF."))

    def get_pdf(self, review: Review) -> str:
        return str(self.context.get("pdf_url", ""))
