"""The monthly service review of a client: its figures as JSON, or the PDF the client managers receive."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, renderers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.api.base import DownloadRenderer, acting_user
from vigie.api.serializers.reviews import ReviewQuerySerializer, ReviewSerializer
from vigie.reports import documents
from vigie.reports.periods import Month
from vigie.reports.review import build_review
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization

ORGANIZATION_PARAMETER = OpenApiParameter(
    "organization_slug", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The short name of the client company.")
)
MONTH_PARAMETER = OpenApiParameter(
    "month", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The month reviewed, as YYYY-MM (provider time zone).")
)
LANGUAGE_PARAMETER = OpenApiParameter(
    "language",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["fr", "en"],
    description=_("Language of the labels and causes (default: the reader's; for staff, the client manager's)."),
)


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("The monthly service review of a client (client managers, IT contacts, staff serving it)"),
        parameters=[ORGANIZATION_PARAMETER, MONTH_PARAMETER, LANGUAGE_PARAMETER],
        responses={200: ReviewSerializer},
    ),
    pdf=extend_schema(
        summary=_("The monthly service review as a PDF"),
        parameters=[ORGANIZATION_PARAMETER, MONTH_PARAMETER, LANGUAGE_PARAMETER],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    ),
)
class ReviewViewSet(viewsets.ViewSet):
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "month"
    lookup_value_regex = "[0-9]{4}-[0-9]{2}"
    http_method_names = ["get", "head", "options"]

    def _organization(self, slug: str) -> Organization:
        """A client the caller sees company-wide; 404 otherwise, whether it exists or not."""
        ids = access_for(self.request.user).company_wide_client_ids
        organization = Organization.objects.clients().filter(pk__in=ids, slug=slug).first()
        if organization is None:
            raise Http404
        return organization

    def _month(self, value: str) -> Month:
        try:
            month = Month.parse(value)
        except ValueError as error:
            raise exceptions.ValidationError({"month": [_("Write the month as YYYY-MM, e.g. 2025-01.")]}) from error
        if not month.has_started():
            raise exceptions.ValidationError({"month": [_("This month has not started yet.")]})
        return month

    def _language(self, request: Request, organization: Organization) -> str:
        query = ReviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        chosen = query.validated_data.get("language")
        return str(chosen or documents.default_language(organization, request.user, translation.get_language()))

    def retrieve(self, request: Request, organization_slug: str, month: str) -> Response:
        organization = self._organization(organization_slug)
        reviewed = self._month(month)
        language = self._language(request, organization)
        with translation.override(language):
            review = build_review(acting_user(request), organization, reviewed)
            pdf_url = reverse("api:review-pdf", kwargs={"organization_slug": organization.slug, "month": str(reviewed)})
            data = ReviewSerializer(review, context={"pdf_url": f"{pdf_url}?language={language}"}).data
        return Response(data)

    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, DownloadRenderer])
    def pdf(self, request: Request, organization_slug: str, month: str) -> HttpResponse:
        organization = self._organization(organization_slug)
        reviewed = self._month(month)
        language = self._language(request, organization)
        with translation.override(language):
            _review, content = documents.review_pdf(acting_user(request), organization, reviewed, language=language)
            name = documents.filename(organization, reviewed)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
