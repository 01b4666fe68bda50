"""Under a ticket: replies and internal notes, attachments (upload, safe download) and the timeline."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, parsers, permissions, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.api.base import DownloadRenderer, acting_user, errors_on_field
from vigie.api.serializers.timeline import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    TicketEventSerializer,
)
from vigie.api.views.common import read_uploads, visible_ticket
from vigie.servicedesk import services
from vigie.servicedesk.models import Attachment, Channel, Comment, Ticket, TicketEvent
from vigie.tenancy.access import access_for

TICKET_PARAMETER = OpenApiParameter(
    "ticket_reference", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The ticket reference, e.g. INC-000012.")
)
ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class TicketChildMixin(viewsets.GenericViewSet[Any]):
    """Resources nested under ``/tickets/<reference>/``: the ticket must be visible, else 404."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.ticket  # noqa: B018 - an invisible ticket answers 404 before any input is read

    @cached_property
    def ticket(self) -> Ticket:
        return visible_ticket(Ticket.objects.select_related("organization"), self.request.user, self.kwargs["ticket_reference"])

    @property
    def is_staff(self) -> bool:
        return access_for(self.request.user).is_staff_member

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["ticket"] = self.ticket
        return context


@extend_schema_view(
    list=extend_schema(
        summary=_("Replies and internal notes (client users see only the replies)"), parameters=[TICKET_PARAMETER]
    ),
    create=extend_schema(
        summary=_("Reply, or write an internal note (staff)"),
        parameters=[TICKET_PARAMETER],
        request={"application/json": CommentCreateSerializer, "multipart/form-data": CommentCreateSerializer},
        responses={201: CommentSerializer},
    ),
)
class CommentViewSet(TicketChildMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Comment]):
    serializer_class = CommentSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[Comment]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no ticket
            return Comment.objects.none()
        comments = Comment.objects.visible_to(self.request.user).filter(ticket=self.ticket)
        return comments.select_related("author").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by"))
        )

    def get_serializer_class(self) -> Any:
        return CommentCreateSerializer if self.action == "create" else CommentSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        uploads = read_uploads(data.get("files", []), "files")
        with errors_on_field("files"):
            comment = services.add_comment(
                self.ticket,
                by=acting_user(request),
                body=data["body"],
                internal=data["internal"],
                channel=Channel.API,
                uploads=uploads,
            )
        created = self.get_queryset().get(pk=comment.pk)
        return Response(CommentSerializer(created, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("Files attached to the ticket"), parameters=[TICKET_PARAMETER]),
    retrieve=extend_schema(summary=_("One attachment's details"), parameters=[TICKET_PARAMETER, ID_PARAMETER]),
    create=extend_schema(
        summary=_("Upload files (multipart, one or more “file” parts)"),
        parameters=[TICKET_PARAMETER],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer(many=True)},
    ),
    download=extend_schema(
        summary=_("Download the file"),
        parameters=[TICKET_PARAMETER, ID_PARAMETER],
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    ),
)
class AttachmentViewSet(
    TicketChildMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Attachment],
):
    serializer_class = AttachmentSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[type] = []
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    def get_queryset(self) -> QuerySet[Attachment]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no ticket
            return Attachment.objects.none()
        attachments = Attachment.objects.visible_to(self.request.user).filter(ticket=self.ticket)
        return attachments.select_related("uploaded_by", "comment")

    def get_serializer_class(self) -> Any:
        return AttachmentUploadSerializer if self.action == "create" else AttachmentSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        uploads = read_uploads(data["file"], "file")
        with errors_on_field("file"):
            stored = services.add_attachments(self.ticket, uploads, by=acting_user(request), internal=data["internal"])
        created = self.get_queryset().filter(pk__in=[a.pk for a in stored])
        return Response(
            AttachmentSerializer(created, many=True, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, DownloadRenderer])
    def download(self, request: Request, ticket_reference: str, pk: str) -> FileResponse:
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, ValueError) as error:
            raise Http404 from error
        response = FileResponse(handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema_view(list=extend_schema(summary=_("The ticket's timeline, oldest first"), parameters=[TICKET_PARAMETER]))
class TicketEventViewSet(TicketChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet[TicketEvent]):
    serializer_class = TicketEventSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[TicketEvent]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no ticket
            return TicketEvent.objects.none()
        events = TicketEvent.objects.filter(ticket=self.ticket)
        if not self.is_staff:
            events = events.filter(is_internal=False)
        return events.select_related("actor").order_by("at", "id")
