"""KPIs over the tickets the caller can see: the report of a period, and a monthly trend."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.api.serializers.kpis import KpiReportSerializer, KpiTrendSerializer, report_data, trend_data
from vigie.reports import kpis
from vigie.servicedesk.models import Priority, TicketType

# DRF's own parameter choosing the renderer (``?format=json``).
_FORMAT = "format"


def _query(name: str, kind: OpenApiTypes, description: Any, **extra: Any) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, **extra)


FILTER_PARAMETERS = [
    _query("month", OpenApiTypes.STR, _("A calendar month, YYYY-MM, in your time zone (instead of start and end).")),
    _query("start", OpenApiTypes.STR, _("Start of the period: a date (YYYY-MM-DD) or an ISO 8601 date and time.")),
    _query("end", OpenApiTypes.STR, _("End of the period: a date (included) or an ISO 8601 date and time (excluded).")),
    _query("organization", OpenApiTypes.STR, _("Client companies: ids or short names, comma-separated.")),
    _query("service", OpenApiTypes.INT, _("A business service id.")),
    _query("group", OpenApiTypes.INT, _("A technician group id.")),
    _query("assignee", OpenApiTypes.STR, _("A technician's user id, or “me”.")),
    _query("priority", OpenApiTypes.INT, _("A priority, 1 (critical) to 5."), enum=Priority.values),
    _query("type", OpenApiTypes.STR, _("“incident” or “request”."), enum=TicketType.values),
]
MONTHS_PARAMETER = _query("months", OpenApiTypes.INT, _("How many months, 1 to 36 (12 by default)."))


class KpiViewSet(viewsets.ViewSet):
    """Figures, not objects: every count and duration is over ``Ticket.objects.visible_to(caller)``,
    so a client user only ever gets their own company's figures."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary=_("KPIs of a period: volumes, MTTA, MTTR, SLA compliance, backlog, satisfaction, availability"),
        parameters=FILTER_PARAMETERS,
        responses={200: KpiReportSerializer},
    )
    def list(self, request: Request) -> Response:
        params = request.query_params
        kpis.unknown_parameters(params, (*kpis.KPI_PARAMETERS, _FORMAT))
        kpi_filter = kpis.filter_from_params(params, user=request.user)
        report = kpis.compute(request.user, kpi_filter)
        return Response(KpiReportSerializer(report_data(report)).data)

    @extend_schema(
        summary=_("Month by month: opened, resolved, MTTR and resolution compliance"),
        parameters=[*FILTER_PARAMETERS, MONTHS_PARAMETER],
        responses={200: KpiTrendSerializer},
    )
    @action(detail=False, methods=["get"], url_path="trend")
    def trend(self, request: Request) -> Response:
        params = request.query_params
        kpis.unknown_parameters(params, (*kpis.TREND_PARAMETERS, _FORMAT))
        months = kpis.months_from_params(params)
        kpi_filter = kpis.filter_from_params(params, user=request.user)
        points = kpis.monthly_trend(request.user, kpi_filter, months)
        return Response(KpiTrendSerializer(trend_data(kpi_filter, points)).data)
