"""Problems (read by provider staff serving the client; created and moved through their lifecycle
by problem managers and administrators; incidents linked by technicians too) and the known error
base (read-only). Client users see neither: another tenant's problem is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from vigie.api.base import EmptySerializer, acting_user
from vigie.api.filters import FILTER_BACKENDS, CommaSeparatedFilterSet, PersonFilter, visible_organizations
from vigie.api.serializers.problems import (
    KnownErrorPublishSerializer,
    KnownErrorSerializer,
    ProblemCancelSerializer,
    ProblemCreateSerializer,
    ProblemIncidentsSerializer,
    ProblemResolveSerializer,
    ProblemRootCauseSerializer,
    ProblemSerializer,
    ProblemWriteSerializer,
)
from vigie.problems import lifecycle, services
from vigie.problems.models import KnownError, KnownErrorStatus, Problem, ProblemStatus
from vigie.servicedesk.models import Ticket

PROBLEM_REFERENCE_REGEX = "[Pp][Rr][Bb]-[0-9]+"
REFERENCE_PARAMETER = OpenApiParameter(
    "reference", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The problem reference, e.g. PRB-000012.")
)


def _with_relations(problems: Any) -> Any:
    incidents = Prefetch("incidents", queryset=Ticket.objects.only("id", "reference", "title", "status").order_by("pk"))
    return problems.select_related(
        "organization", "manager", "group", "category", "known_error", "resolving_change"
    ).prefetch_related(incidents, "services")


class ProblemFilter(CommaSeparatedFilterSet):
    multiple_value_filters = ("status",)

    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    client = filters.CharFilter(field_name="organization__slug", label=_("Client (short name)"))
    status = filters.MultipleChoiceFilter(choices=ProblemStatus.choices)
    manager = PersonFilter(field_name="manager", allow_none=True, label=_("Problem manager: a user id, “me” or “none”"))
    has_workaround = filters.BooleanFilter(method="filter_workaround", label=_("With a workaround (true) or without"))
    search = filters.CharFilter(method="filter_search", label=_("Words of the title or root cause, or a reference"))

    class Meta:
        model = Problem
        fields = ["organization", "status", "category"]

    def filter_workaround(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.exclude(workaround="") if value else queryset.filter(workaround="")

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        for word in value.split()[:5]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(root_cause__icontains=word) | Q(reference__iexact=word))
        return queryset


def _action_schema(summary: Any, request: Any) -> Any:
    return extend_schema(summary=summary, request=request, responses={200: ProblemSerializer}, parameters=[REFERENCE_PARAMETER])


@extend_schema_view(
    list=extend_schema(summary=_("Problems of the clients the caller serves")),
    retrieve=extend_schema(summary=_("One problem, with its incidents and known error"), parameters=[REFERENCE_PARAMETER]),
    create=extend_schema(
        summary=_("Open a problem, optionally from incidents (problem managers, administrators)"),
        request=ProblemCreateSerializer,
        responses={201: ProblemSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a problem's descriptive fields (problem managers, administrators)"),
        parameters=[REFERENCE_PARAMETER],
        request=ProblemWriteSerializer,
        responses={200: ProblemSerializer},
    ),
)
class ProblemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Problem],
):
    serializer_class = ProblemSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "reference"
    lookup_value_regex = PROBLEM_REFERENCE_REGEX
    filterset_class = ProblemFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["created_at", "priority", "status", "reference"]
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Problem]:
        return _with_relations(Problem.objects.visible_to(self.request.user))  # type: ignore[no-any-return]

    def get_object(self) -> Problem:
        reference = str(self.kwargs["reference"]).upper()
        prefix, _sep, number = reference.partition("-")
        problem = self.get_queryset().filter(reference=f"{prefix}-{int(number):06d}").first()
        if problem is None:
            raise exceptions.NotFound()
        self.check_object_permissions(self.request, problem)
        return problem

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        inputs: dict[str, type[BaseSerializer[Any]]] = {
            "create": ProblemCreateSerializer,
            "partial_update": ProblemWriteSerializer,
            "link_incidents": ProblemIncidentsSerializer,
            "unlink_incidents": ProblemIncidentsSerializer,
            "record_root_cause": ProblemRootCauseSerializer,
            "publish_known_error": KnownErrorPublishSerializer,
            "resolve": ProblemResolveSerializer,
            "investigate": EmptySerializer,
            "close": EmptySerializer,
            "reopen": EmptySerializer,
            "cancel": ProblemCancelSerializer,
        }
        return inputs.get(self.action or "", ProblemSerializer)

    def _input(self, request: Request) -> dict[str, Any]:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, problem: Problem, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=problem.pk)
        headers = {"Location": reverse("api:problem-detail", args=[fresh.reference])} if code == status.HTTP_201_CREATED else {}
        return Response(ProblemSerializer(fresh, context=self.get_serializer_context()).data, status=code, headers=headers)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(request)
        problem = services.create_problem(by=acting_user(request), **data)
        return self._answer(problem, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        problem = self.get_object()
        changes = self._input(request)
        if changes:
            problem = services.update_problem(problem, by=acting_user(request), **changes)
        return self._answer(problem)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method or "PUT")
        return self.partial_update(request, *args, **kwargs)

    @_action_schema(_("Link incidents of the problem's client (staff serving it)"), ProblemIncidentsSerializer)
    @action(detail=True, methods=["post"], url_path="link-incidents", url_name="link-incidents")
    def link_incidents(self, request: Request, reference: str) -> Response:
        problem = self.get_object()
        data = self._input(request)
        services.link_incidents(problem, by=acting_user(request), incidents=data["incidents"])
        return self._answer(problem)

    @_action_schema(_("Unlink incidents (staff serving the client)"), ProblemIncidentsSerializer)
    @action(detail=True, methods=["post"], url_path="unlink", url_name="unlink")
    def unlink_incidents(self, request: Request, reference: str) -> Response:
        problem = self.get_object()
        data = self._input(request)
        for ticket in data["incidents"]:
            services.unlink_incident(problem, by=acting_user(request), incident=ticket)
        return self._answer(problem)

    @_action_schema(_("Start the investigation"), None)
    @action(detail=True, methods=["post"])
    def investigate(self, request: Request, reference: str) -> Response:
        problem = self.get_object()
        self._input(request)
        return self._answer(lifecycle.start_investigation(problem, by=acting_user(request)))

    @_action_schema(_("Record the root cause (and a workaround)"), ProblemRootCauseSerializer)
    @action(detail=True, methods=["post"], url_path="record-root-cause", url_name="record-root-cause")
    def record_root_cause(self, request: Request, reference: str) -> Response:
        problem = self.get_object()
        data = self._input(request)
        return self._answer(lifecycle.record_root_cause(problem, by=acting_user(request), **data))

    @_action_schema(_("Publish the known error; its workaround goes to every open linked incident"), KnownErrorPublishSerializer)
    @action(detail=True, methods=["post"], url_path="publish-known-error", url_name="publish-known-error")
    def publish_known_error(self, request: Request, reference: str) -> Response:
        problem = self.get_object()
        data = self._input(request)
        lifecycle.publish_known_error(problem, by=acting_user(request), **data)
        return self._answer(problem)

    @_action_schema(_("Resolve the problem, optionally its open incidents too"), ProblemResolveSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, reference: str) -> Response:
        problem = self.get_object()
        data = self._input(request)
        return self._answer(lifecycle.resolve_problem(problem, by=acting_user(request), **data))

    @_action_schema(_("Close a resolved problem"), None)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, reference: str) -> Response:
        problem = self.get_object()
        self._input(request)
        return self._answer(lifecycle.close_problem(problem, by=acting_user(request)))

    @_action_schema(_("Reopen a resolved problem"), None)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, reference: str) -> Response:
        problem = self.get_object()
        self._input(request)
        return self._answer(lifecycle.reopen_problem(problem, by=acting_user(request)))

    @_action_schema(_("Cancel a problem opened by mistake"), ProblemCancelSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, reference: str) -> Response:
        problem = self.get_object()
        data = self._input(request)
        return self._answer(lifecycle.cancel_problem(problem, by=acting_user(request), **data))


class KnownErrorFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    status = filters.ChoiceFilter(choices=KnownErrorStatus.choices)
    search = filters.CharFilter(method="filter_search", label=_("Words of the title, symptoms, workaround or root cause"))

    class Meta:
        model = KnownError
        fields = ["organization", "status"]

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.search(value)


@extend_schema_view(
    list=extend_schema(summary=_("The known error base of the clients the caller serves")),
    retrieve=extend_schema(summary=_("One known error")),
)
class KnownErrorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[KnownError]):
    serializer_class = KnownErrorSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"
    filterset_class = KnownErrorFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["published_at", "title"]
    ordering = ["-published_at"]

    def get_queryset(self) -> QuerySet[KnownError]:
        return KnownError.objects.visible_to(self.request.user).select_related("organization", "problem", "published_by")
