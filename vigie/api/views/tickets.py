"""Tickets: list with filters, search and ordering; open; change; assign; move through the workflow."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from vigie.api.base import EmptySerializer, acting_user, errors_on_field
from vigie.api.filters import FILTER_BACKENDS, TICKET_ORDERING_EXPRESSIONS, TicketFilter
from vigie.api.serializers.tickets import (
    AssignSerializer,
    ResolveSerializer,
    StatusSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
    WatchersSerializer,
)
from vigie.api.views.common import REFERENCE_REGEX, read_uploads, visible_ticket
from vigie.servicedesk import permissions as ticket_permissions
from vigie.servicedesk import services
from vigie.servicedesk.models import Ticket, TicketQuerySet

REFERENCE_PARAMETER = OpenApiParameter(
    "reference", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The ticket reference, e.g. INC-000012.")
)


def _with_relations(tickets: TicketQuerySet) -> TicketQuerySet:
    """Everything a ticket's representation reads, in a constant number of queries;
    the search text (up to 100 kB a ticket) is never read back."""
    return tickets.for_list().select_related("site", "sla", "sla__policy").prefetch_related("watchers", "surveys")


def _action_schema(summary: Any, request: Any) -> Any:
    return extend_schema(summary=summary, request=request, responses={200: TicketSerializer})


@extend_schema_view(
    list=extend_schema(summary=_("Tickets the caller can see")),
    retrieve=extend_schema(summary=_("One ticket"), parameters=[REFERENCE_PARAMETER]),
    create=extend_schema(
        summary=_("Open an incident or a service request"),
        request={"application/json": TicketCreateSerializer, "multipart/form-data": TicketCreateSerializer},
        responses={201: TicketSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a ticket's title, description, impact, urgency, category, site or requester (staff)"),
        parameters=[REFERENCE_PARAMETER],
        request=TicketUpdateSerializer,
        responses={200: TicketSerializer},
    ),
)
class TicketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Ticket],
):
    serializer_class = TicketSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "reference"
    lookup_value_regex = REFERENCE_REGEX
    filterset_class = TicketFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["created_at", "priority", "status", "last_activity_at", "reference", "sla_due"]
    ordering = ["-created_at"]
    ordering_expressions = TICKET_ORDERING_EXPRESSIONS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Ticket]:
        return _with_relations(Ticket.objects.visible_to(self.request.user))

    def get_object(self) -> Ticket:
        ticket = visible_ticket(
            _with_relations(Ticket.objects.all()),
            self.request.user,
            self.kwargs["reference"],
        )
        self.check_object_permissions(self.request, ticket)
        return ticket

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        inputs: dict[str, type[BaseSerializer[Any]]] = {
            "create": TicketCreateSerializer,
            "partial_update": TicketUpdateSerializer,
            "assign": AssignSerializer,
            "change_status": StatusSerializer,
            "resolve": ResolveSerializer,
            "watchers": WatchersSerializer,
            "close": EmptySerializer,
            "reopen": EmptySerializer,
            "cancel": EmptySerializer,
        }
        return inputs.get(self.action or "", TicketSerializer)

    def _answer(self, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
        """The ticket as it now reads, loaded again after a change (relations included)."""
        return self._represent(self.get_object_by_pk(ticket.pk), code)

    def _represent(self, ticket: Ticket, code: int) -> Response:
        headers = {"Location": reverse("api:ticket-detail", args=[ticket.reference])} if code == status.HTTP_201_CREATED else {}
        return Response(TicketSerializer(ticket, context=self.get_serializer_context()).data, status=code, headers=headers)

    def get_object_by_pk(self, pk: int) -> Ticket:
        return _with_relations(Ticket.objects.all()).get(pk=pk)

    def _input(self, request: Request) -> dict[str, Any]:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _staff_only(self, ticket: Ticket) -> None:
        """Work on a ticket is for the provider's staff serving its client: a visible ticket answers 403."""
        if not ticket_permissions.can_work(self.request.user, ticket):
            raise exceptions.PermissionDenied(_("Only the provider's staff serving this client can do this."))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(request)
        uploads = read_uploads(data.pop("files", []), "files")
        with errors_on_field("files"):
            ticket = services.open_ticket(by=acting_user(request), uploads=uploads, **data)
        # A ticket just opened holds its relations in memory: no need to read it back.
        return self._represent(ticket, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        self._staff_only(ticket)
        changes = self._input(request)
        if changes:
            ticket = services.update_ticket(ticket, by=acting_user(request), **changes)
        return self._answer(ticket)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method or "PUT")
        return self.partial_update(request, *args, **kwargs)

    @_action_schema(_("Assign to a technician and/or a group (staff)"), AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, reference: str) -> Response:
        ticket = self.get_object()
        self._staff_only(ticket)
        data = self._input(request)
        assignee = data.get("assignee", ticket.assignee)
        group = data.get("group", ticket.group)
        ticket = services.assign_ticket(ticket, by=acting_user(request), assignee=assignee, group=group)
        return self._answer(ticket)

    @_action_schema(_("Move the ticket to another status"), StatusSerializer)
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def change_status(self, request: Request, reference: str) -> Response:
        ticket = self.get_object()
        data = self._input(request)
        ticket = services.change_status(ticket, data["status"], by=acting_user(request), resolution=data["resolution"])
        return self._answer(ticket)

    @_action_schema(_("Resolve, saying how"), ResolveSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, reference: str) -> Response:
        ticket = self.get_object()
        data = self._input(request)
        ticket = services.resolve_ticket(ticket, by=acting_user(request), resolution=data["resolution"])
        return self._answer(ticket)

    @_action_schema(_("Close a resolved ticket"), None)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, reference: str) -> Response:
        ticket = self.get_object()
        self._input(request)
        return self._answer(services.close_ticket(ticket, by=acting_user(request)))

    @_action_schema(_("Reopen a resolved or closed ticket"), None)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, reference: str) -> Response:
        ticket = self.get_object()
        self._input(request)
        return self._answer(services.reopen_ticket(ticket, by=acting_user(request)))

    @_action_schema(_("Cancel an open ticket (staff)"), None)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, reference: str) -> Response:
        ticket = self.get_object()
        self._staff_only(ticket)
        self._input(request)
        return self._answer(services.cancel_ticket(ticket, by=acting_user(request)))

    @_action_schema(_("Replace the list of watchers (staff)"), WatchersSerializer)
    @action(detail=True, methods=["post"])
    def watchers(self, request: Request, reference: str) -> Response:
        ticket = self.get_object()
        self._staff_only(ticket)
        data = self._input(request)
        return self._answer(services.set_watchers(ticket, by=acting_user(request), watchers=data["watchers"]))
