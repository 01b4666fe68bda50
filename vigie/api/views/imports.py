"""History imports: start one from a CSV export and its mapping, and read the reports of past runs.

Provider staff serving the client only; anyone else gets 404 for a report (and 403 when starting
a run, which is staff work). A client the caller does not serve answers 404 as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.api.base import acting_user
from vigie.api.serializers.imports import TicketImportCreateSerializer, TicketImportSerializer
from vigie.servicedesk import permissions as ticket_permissions
from vigie.servicedesk.importing import MAX_IMPORT_BYTES, ImportInterrupted, import_tickets
from vigie.servicedesk.importing.mapping import MAX_MAPPING_BYTES
from vigie.servicedesk.models import TicketImport
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization


class ImportInterruptedError(exceptions.APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_code = "import_interrupted"
    default_detail = _lazy("The import was interrupted.")


def _too_large(name: str, size: int, limit: int) -> serializers.ValidationError:
    return serializers.ValidationError(
        {
            name: [
                _("The file is too large (%(size)s); the limit is %(limit)s. Import it with the command instead.")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            ]
        }
    )


def served_client(user: Any, value: str) -> Organization:
    """The client named by id or short name, if the caller serves it; 404 otherwise."""
    clients = Organization.objects.visible_to(user).clients()
    value = value.strip()
    organization = clients.filter(pk=int(value)).first() if value.isdigit() else clients.filter(slug=value).first()
    if organization is None or not ticket_permissions.serves(user, organization.pk):
        raise Http404
    return organization


@extend_schema_view(
    list=extend_schema(summary=_lazy("Reports of the history imports (provider staff)")),
    retrieve=extend_schema(summary=_lazy("One import's report: counts, rejected lines and why")),
    create=extend_schema(
        summary=_lazy("Import ticket history from a CSV export (multipart: file, organization, mapping, dry_run)"),
        request={"multipart/form-data": TicketImportCreateSerializer},
        responses={201: TicketImportSerializer, 200: TicketImportSerializer},
        description=_lazy(
            "201 with the report of the run (rejected lines included); 200 for a dry run (nothing written). "
            "A file that cannot be read at all (mapping, encoding, missing columns) answers 400 and writes nothing. "
            "See docs/import.md."
        ),
    ),
)
class TicketImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[TicketImport]
):
    serializer_class = TicketImportSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[TicketImport]:
        return TicketImport.objects.visible_to(self.request.user).select_related("organization", "by")

    def get_serializer_class(self) -> Any:
        return TicketImportCreateSerializer if self.action == "create" else TicketImportSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not access_for(request.user).is_staff_member:
            raise exceptions.PermissionDenied(_("Only the provider's staff can import history."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = served_client(request.user, data["organization"])
        upload = data["file"]
        if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
            raise _too_large("file", upload.size, MAX_IMPORT_BYTES)
        mapping: str | bytes = data.get("mapping", "")
        if "mapping_file" in data:
            mapping_file = data["mapping_file"]
            if mapping_file.size is not None and mapping_file.size > MAX_MAPPING_BYTES:
                raise _too_large("mapping_file", mapping_file.size, MAX_MAPPING_BYTES)
            mapping = mapping_file.read()
        try:
            report = import_tickets(
                by=acting_user(request),
                organization=organization,
                mapping=mapping,
                filename=upload.name or "import.csv",
                csv_bytes=upload.read(),
                dry_run=data["dry_run"],
            )
        except ImportInterrupted as interrupted:
            raise ImportInterruptedError(
                _("The import was interrupted; its report is #%(id)s: %(error)s")
                % {"id": interrupted.report.pk, "error": interrupted.error}
            ) from interrupted
        answer = TicketImportSerializer(report, context=self.get_serializer_context()).data
        return Response(answer, status=status.HTTP_200_OK if data["dry_run"] else status.HTTP_201_CREATED)
