"""How a KPI report and a monthly trend read in the API (docs/kpis.md describes every figure).

``report_data`` and ``trend_data`` turn the ``vigie.reports.kpis`` objects into plain data; the
serializers below give that data its documented shape (and the OpenAPI schema). Durations are in
seconds, rates are fractions in [0, 1] next to the counts they come from, and a figure with
nothing to measure is ``null``, never 0.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from vigie.reports.kpis import Compliance, KpiFilter, KpiReport, TrendPoint
from vigie.servicedesk.models import Priority


def _rate(compliance: Compliance) -> dict[str, Any]:
    return {"met": compliance.met, "total": compliance.total, "rate": compliance.rate}


def _by_priority(by_priority: dict[int, Compliance]) -> list[dict[str, Any]]:
    return [
        {"priority": priority, "priority_label": str(Priority(priority).label), **_rate(compliance)}
        for priority, compliance in sorted(by_priority.items())
    ]


def filter_data(kpi_filter: KpiFilter) -> dict[str, Any]:
    organizations = kpi_filter.organization_ids
    return {
        "start": kpi_filter.start,
        "end": kpi_filter.end,
        "organizations": sorted(organizations) if organizations is not None else None,
        "service": kpi_filter.service_id,
        "group": kpi_filter.group_id,
        "assignee": kpi_filter.assignee_id,
        "priority": kpi_filter.priority,
        "type": kpi_filter.ticket_type,
    }


def report_data(report: KpiReport) -> dict[str, Any]:
    return {
        "filter": filter_data(report.filter),
        "as_of": report.as_of,
        "opened": report.opened,
        "opened_by_type": report.opened_by_type,
        "opened_by_channel": report.opened_by_channel,
        "opened_by_category": [{"category": name, "count": count} for name, count in report.opened_by_category],
        "resolved": report.resolved,
        "mtta": {"calendar": asdict(report.mtta_calendar), "business": asdict(report.mtta_business)},
        "mttr": {"calendar": asdict(report.mttr_calendar), "business": asdict(report.mttr_business)},
        "first_contact_resolution": _rate(report.first_contact_resolution),
        "response_compliance": {
            **_rate(report.response_compliance),
            "by_priority": _by_priority(report.response_compliance_by_priority),
        },
        "resolution_compliance": {
            **_rate(report.resolution_compliance),
            "by_priority": _by_priority(report.resolution_compliance_by_priority),
        },
        "backlog": {"count": report.backlog, "age_buckets": report.backlog_age_buckets, "mean_age": report.backlog_mean_age},
        "reopen_rate": _rate(report.reopen_rate),
        "reassignments_mean": report.reassignments_mean,
        "csat": {**_rate(report.csat), "mean_rating": report.csat_mean},
        "availability": [
            {
                "service": item.service_id,
                "service_name": item.service_name,
                "organization": item.organization_id,
                "outage_seconds": item.outage_seconds,
                "period_seconds": item.period_seconds,
                "incidents": item.incidents,
                "rate": item.rate,
            }
            for item in report.availability
        ],
    }


def trend_data(kpi_filter: KpiFilter, points: list[TrendPoint]) -> dict[str, Any]:
    return {
        "filter": filter_data(kpi_filter),
        "months": [
            {
                "month_start": point.month_start,
                "opened": point.opened,
                "resolved": point.resolved,
                "mttr_business_mean": point.mttr_business_mean,
                "mttr_calendar_mean": point.mttr_calendar_mean,
                "resolution_compliance": _rate(point.resolution_compliance),
            }
            for point in points
        ],
    }


class KpiFilterSerializer(serializers.Serializer[Any]):
    start = serializers.DateTimeField(help_text=_("Start of the period (included)."))
    end = serializers.DateTimeField(help_text=_("End of the period (excluded)."))
    organizations = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    service = serializers.IntegerField(allow_null=True)
    group = serializers.IntegerField(allow_null=True)
    assignee = serializers.IntegerField(allow_null=True)
    priority = serializers.IntegerField(allow_null=True)
    type = serializers.CharField(allow_null=True)


class RateSerializer(serializers.Serializer[Any]):
    met = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text=_("met / total; null when total is 0."))


class PriorityRateSerializer(RateSerializer):
    priority = serializers.IntegerField()
    priority_label = serializers.CharField()


class ComplianceSerializer(RateSerializer):
    by_priority = PriorityRateSerializer(many=True)


class DurationStatsSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)


class DurationsSerializer(serializers.Serializer[Any]):
    calendar = DurationStatsSerializer(help_text=_("In calendar time (seconds)."))
    business = DurationStatsSerializer(help_text=_("In business time of the SLA calendar, pauses excluded (seconds)."))


class CategoryCountSerializer(serializers.Serializer[Any]):
    category = serializers.CharField(help_text=_("Full name of the category; empty for none."))
    count = serializers.IntegerField()


class BacklogSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    age_buckets = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Open tickets by age: <1d, 1-7d, 7-30d, >30d.")
    )
    mean_age = serializers.FloatField(allow_null=True)


class SatisfactionSerializer(RateSerializer):
    mean_rating = serializers.FloatField(allow_null=True)


class AvailabilitySerializer(serializers.Serializer[Any]):
    service = serializers.IntegerField()
    service_name = serializers.CharField()
    organization = serializers.IntegerField()
    outage_seconds = serializers.IntegerField()
    period_seconds = serializers.IntegerField()
    incidents = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


@extend_schema_serializer(many=False)
class KpiReportSerializer(serializers.Serializer[Any]):
    filter = KpiFilterSerializer()
    as_of = serializers.DateTimeField(help_text=_("When backlog and availability are measured."))
    opened = serializers.IntegerField()
    opened_by_type = serializers.DictField(child=serializers.IntegerField())
    opened_by_channel = serializers.DictField(child=serializers.IntegerField())
    opened_by_category = CategoryCountSerializer(many=True)
    resolved = serializers.IntegerField()
    mtta = DurationsSerializer()
    mttr = DurationsSerializer()
    first_contact_resolution = RateSerializer()
    response_compliance = ComplianceSerializer()
    resolution_compliance = ComplianceSerializer()
    backlog = BacklogSerializer()
    reopen_rate = RateSerializer()
    reassignments_mean = serializers.FloatField(allow_null=True)
    csat = SatisfactionSerializer()
    availability = AvailabilitySerializer(many=True)


class TrendPointSerializer(serializers.Serializer[Any]):
    month_start = serializers.DateTimeField()
    opened = serializers.IntegerField()
    resolved = serializers.IntegerField()
    mttr_business_mean = serializers.FloatField(allow_null=True)
    mttr_calendar_mean = serializers.FloatField(allow_null=True)
    resolution_compliance = RateSerializer()


@extend_schema_serializer(many=False)
class KpiTrendSerializer(serializers.Serializer[Any]):
    filter = KpiFilterSerializer()
    months = TrendPointSerializer(many=True)
