"""The service catalog in the API.

- ``/request-templates/``: the templates the caller sees (provider staff: those concerning the
  clients they serve; client users: those they can order); administrators and service owners
  write them through the same services as the staff pages.
- ``/catalog/``: what the caller can order; ``POST /catalog/<id>/order/`` with the answers opens
  the service request ticket.
- ``/catalog-requests/<reference>/``: an ordered request (answers, approval, tasks), its
  ``approve`` / ``reject`` actions for approvers, and ``tasks/<id>/done`` / ``skip`` for staff.

Another tenant's object is a 404 for every method.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.api.base import acting_user
from vigie.api.filters import FILTER_BACKENDS
from vigie.api.serializers.catalog import (
    CatalogItemSerializer,
    CatalogRequestSerializer,
    DecisionSerializer,
    OrderSerializer,
    RequestTemplateSerializer,
    TaskNoteSerializer,
)
from vigie.api.views.common import REFERENCE_REGEX
from vigie.catalog import fulfilment, template_services
from vigie.catalog.models import FulfilmentTask, RequestTemplate, ServiceRequest
from vigie.catalog.portal_views import companies_of
from vigie.tenancy.models import Organization


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Request templates the caller can see")),
    retrieve=extend_schema(summary=gettext_lazy("One request template, with its questions and tasks")),
    create=extend_schema(summary=gettext_lazy("Create a request template (administrators, service owners)")),
    update=extend_schema(summary=gettext_lazy("Replace a request template")),
    partial_update=extend_schema(summary=gettext_lazy("Change a request template; given questions or tasks replace the lists")),
    destroy=extend_schema(summary=gettext_lazy("Delete a request template (ordered requests keep their answers)")),
)
class RequestTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Any],
):
    serializer_class = RequestTemplateSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = FILTER_BACKENDS
    filterset_fields = ["audience", "organization", "is_published", "approval"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[RequestTemplate]:
        return (
            RequestTemplate.objects.visible_to(self.request.user)
            .select_related("organization")
            .prefetch_related("clients", "fields", "tasks")
        )

    def perform_destroy(self, instance: RequestTemplate) -> None:
        template_services.delete_template(instance, by=acting_user(self.request))


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("What the caller can order from the catalog")),
    retrieve=extend_schema(summary=gettext_lazy("One orderable request, with the questions of its form")),
)
class CatalogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):
    serializer_class = CatalogItemSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[RequestTemplate]:
        if getattr(self, "swagger_fake_view", False):
            return RequestTemplate.objects.none()
        user = self.request.user
        query = RequestTemplate.objects.none()
        for company in companies_of(acting_user(self.request)):
            query = query | RequestTemplate.objects.offered_to(company.pk)
        if not companies_of(acting_user(self.request)).exists():
            query = RequestTemplate.objects.orderable_by(user)
        return query.distinct().select_related("category").prefetch_related("fields").order_by("name")

    @extend_schema(summary=gettext_lazy("Order a request: answers in, service request ticket out"), request=OrderSerializer)
    @action(detail=True, methods=["post"])
    def order(self, request: Request, pk: str) -> Response:
        template = self.get_object()
        serializer = OrderSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = acting_user(request)
        organization = data.get("organization") or self._only_company(template, user)
        ticket = fulfilment.order_request(
            by=user,
            template=template,
            organization=organization,
            answers=data["answers"],
            requester=data.get("requester"),
            channel="api",
        )
        service_request = ServiceRequest.objects.get(ticket=ticket)
        body = CatalogRequestSerializer(service_request, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _only_company(self, template: RequestTemplate, user: Any) -> Organization:
        offered = [c for c in companies_of(user) if RequestTemplate.objects.offered_to(c.pk).filter(pk=template.pk).exists()]
        if len(offered) != 1:
            raise ValidationError({"organization": _("Say which client company the request is for.")})
        return offered[0]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Ordered requests the caller can see (filter awaiting_my_decision=true)")),
    retrieve=extend_schema(summary=gettext_lazy("One ordered request: answers, approval and fulfilment tasks")),
)
class CatalogRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):
    serializer_class = CatalogRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "ticket__reference"
    lookup_url_kwarg = "reference"
    lookup_value_regex = REFERENCE_REGEX

    def get_queryset(self) -> QuerySet[ServiceRequest]:
        user = self.request.user
        requests = ServiceRequest.objects.visible_to(user)
        if self.request.query_params.get("awaiting_my_decision") in ("true", "1"):
            requests = ServiceRequest.objects.awaiting_decision_by(user)
        return requests.select_related("ticket", "decided_by").prefetch_related("tasks").order_by("-created_at", "-id")

    def _decide(self, request: Request, *, approve: bool) -> Response:
        service_request = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fulfilment.decide(service_request, by=acting_user(request), approve=approve, comment=serializer.validated_data["comment"])
        service_request.refresh_from_db()
        return Response(self.get_serializer(service_request).data)

    @extend_schema(summary=gettext_lazy("Approve a pending request (its approvers)"), request=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, reference: str) -> Response:
        return self._decide(request, approve=True)

    @extend_schema(summary=gettext_lazy("Reject a pending request, saying why (its approvers)"), request=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, reference: str) -> Response:
        return self._decide(request, approve=False)

    def _finish(self, request: Request, task_id: str, *, skip: bool) -> Response:
        service_request = self.get_object()
        task = get_object_or_404(FulfilmentTask, pk=int(task_id), request=service_request)
        serializer = TaskNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fulfilment.finish_task(task, by=acting_user(request), skip=skip, note=serializer.validated_data["note"])
        service_request.refresh_from_db()
        return Response(self.get_serializer(service_request).data)

    @extend_schema(summary=gettext_lazy("Mark a fulfilment task done (staff)"), request=TaskNoteSerializer)
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>[0-9]+)/done", url_name="task-done")
    def task_done(self, request: Request, reference: str, task_id: str) -> Response:
        return self._finish(request, task_id, skip=False)

    @extend_schema(summary=gettext_lazy("Skip a fulfilment task (staff)"), request=TaskNoteSerializer)
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>[0-9]+)/skip", url_name="task-skip")
    def task_skip(self, request: Request, reference: str, task_id: str) -> Response:
        return self._finish(request, task_id, skip=True)
