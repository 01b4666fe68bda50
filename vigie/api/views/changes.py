"""Changes (RFCs) and their flow, standard change templates, freeze periods.

Read: provider staff for the clients they serve, a client's manager or IT contact for the own
company (another tenant's change is a 404). Write: through ``vigie.changes`` services, which
answer 403 to a visible change the caller may not act on (an approval by someone who is not an
approver, an action reserved to change managers) and 400 to a step the flow does not allow.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from vigie.api.base import EmptySerializer, acting_user
from vigie.api.filters import FILTER_BACKENDS, visible_organizations
from vigie.api.serializers.changes import (
    ChangeInputSerializer,
    ChangeSerializer,
    ChangeTemplateSerializer,
    DecisionSerializer,
    FreezePeriodSerializer,
    IncidentsSerializer,
    ReviewSerializer,
    RiskSerializer,
    ScheduleSerializer,
)
from vigie.changes import approvals, config, services
from vigie.changes import permissions as change_permissions
from vigie.changes.models import Change, ChangeStatus, ChangeTemplate, ChangeType, Decision, FreezePeriod, RiskLevel
from vigie.servicedesk.models import Ticket


class ChangeFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    status = filters.MultipleChoiceFilter(choices=ChangeStatus.choices)
    type = filters.ChoiceFilter(choices=ChangeType.choices)
    risk_level = filters.ChoiceFilter(choices=RiskLevel.choices)
    window_after = filters.IsoDateTimeFilter(field_name="planned_end", lookup_expr="gt", label=_("Window ends after"))
    window_before = filters.IsoDateTimeFilter(field_name="planned_start", lookup_expr="lt", label=_("Window starts before"))

    class Meta:
        model = Change
        fields = ["organization", "status", "type", "risk_level"]


def _action_schema(summary: Any, request: Any) -> Any:
    return extend_schema(summary=summary, request=request, responses={200: ChangeSerializer})


SIMPLE_ACTIONS = {
    "submit": _("Submit the draft (a standard change is approved at once; an emergency goes to approval)"),
    "assess": _("Start the assessment (change managers)"),
    "request_approval": _("Send to approval once the risk is assessed (change managers)"),
    "start": _("Start the implementation"),
    "complete": _("Mark implemented"),
    "fail": _("Mark failed"),
    "back_out": _("Mark backed out"),
    "close": _("Close (after the review, or an implemented normal or standard change)"),
    "cancel": _("Cancel"),
}


@extend_schema_view(
    list=extend_schema(summary=_("Changes the caller can see")),
    retrieve=extend_schema(summary=_("One change, with its approvals, conflicts and freezes")),
    create=extend_schema(
        summary=_("Create a change in draft (staff)"), request=ChangeInputSerializer, responses={201: ChangeSerializer}
    ),
    partial_update=extend_schema(
        summary=_("Edit a change while draft, submitted or in assessment (staff)"),
        request=ChangeInputSerializer,
        responses={200: ChangeSerializer},
    ),
    destroy=extend_schema(summary=_("Delete a draft (staff)")),
)
class ChangeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Change],
):
    serializer_class = ChangeSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"
    filterset_class = ChangeFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["created_at", "planned_start", "reference", "status"]
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Change]:
        return (
            Change.objects.visible_to(self.request.user)
            .for_list()
            .prefetch_related("services", "configuration_items", "caused_incidents", "approvals__approver")
        )

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        inputs: dict[str, type[BaseSerializer[Any]]] = {
            "create": ChangeInputSerializer,
            "partial_update": ChangeInputSerializer,
            "schedule": ScheduleSerializer,
            "review": ReviewSerializer,
            "approve": DecisionSerializer,
            "reject": DecisionSerializer,
            "risk": RiskSerializer,
            "incidents": IncidentsSerializer,
            **dict.fromkeys(SIMPLE_ACTIONS, EmptySerializer),
        }
        return inputs.get(self.action or "", ChangeSerializer)

    def _input(self, request: Request, *, partial: bool = False) -> dict[str, Any]:
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, change: Change, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=change.pk)
        return Response(ChangeSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(request)
        change = services.create_change(by=acting_user(request), **data)
        return self._answer(change, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = self.get_object()
        data = self._input(request, partial=True)
        if data:
            change = services.update_change(change, by=acting_user(request), **data)
        return self._answer(change)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method or "PUT")
        return self.partial_update(request, *args, **kwargs)

    def perform_destroy(self, instance: Change) -> None:
        services.delete_change(instance, by=acting_user(self.request))

    def _step(self, request: Request, name: str, **extra: Any) -> Response:
        change = self.get_object()
        data = self._input(request)
        return self._answer(services.transition(change, name, by=acting_user(request), **data, **extra))

    @_action_schema(SIMPLE_ACTIONS["submit"], None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        return self._step(request, "submit")

    @_action_schema(SIMPLE_ACTIONS["assess"], None)
    @action(detail=True, methods=["post"])
    def assess(self, request: Request, pk: str) -> Response:
        return self._step(request, "assess")

    @_action_schema(SIMPLE_ACTIONS["request_approval"], None)
    @action(detail=True, methods=["post"], url_path="request-approval", url_name="request-approval")
    def request_approval(self, request: Request, pk: str) -> Response:
        return self._step(request, "request_approval")

    @_action_schema(_("Schedule an approved change; inside a freeze only with a change manager's override"), ScheduleSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str) -> Response:
        return self._step(request, "schedule")

    @_action_schema(SIMPLE_ACTIONS["start"], None)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        return self._step(request, "start")

    @_action_schema(SIMPLE_ACTIONS["complete"], None)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        return self._step(request, "complete")

    @_action_schema(SIMPLE_ACTIONS["fail"], None)
    @action(detail=True, methods=["post"])
    def fail(self, request: Request, pk: str) -> Response:
        return self._step(request, "fail")

    @_action_schema(SIMPLE_ACTIONS["back_out"], None)
    @action(detail=True, methods=["post"], url_path="back-out", url_name="back-out")
    def back_out(self, request: Request, pk: str) -> Response:
        return self._step(request, "back_out")

    @_action_schema(_("Record the post-implementation review (change managers)"), ReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        return self._step(request, "review")

    @_action_schema(SIMPLE_ACTIONS["close"], None)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self._step(request, "close")

    @_action_schema(SIMPLE_ACTIONS["cancel"], None)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        return self._step(request, "cancel")

    def _decide(self, request: Request, decision: str) -> Response:
        change = self.get_object()
        data = self._input(request)
        return self._answer(approvals.decide(change, by=acting_user(request), decision=decision, **data))

    @_action_schema(_("Approve (CAB members; the client's manager when the client must approve)"), DecisionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._decide(request, Decision.APPROVED)

    @_action_schema(_("Reject, saying why (any rejection rejects the change)"), DecisionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        return self._decide(request, Decision.REJECTED)

    @_action_schema(_("Answer the risk questionnaire; the score and level are computed"), RiskSerializer)
    @action(detail=True, methods=["post"])
    def risk(self, request: Request, pk: str) -> Response:
        change = self.get_object()
        data = self._input(request)
        answers = {}
        for key, value in data["answers"].items():
            if not str(key).isdigit():
                raise exceptions.ValidationError({"answers": [_("Keys are question ids.")]})
            answers[int(key)] = int(value)
        return self._answer(services.assess_risk(change, by=acting_user(request), answers=answers))

    @_action_schema(_("Link or unlink the incidents the change caused"), IncidentsSerializer)
    @action(detail=True, methods=["post"])
    def incidents(self, request: Request, pk: str) -> Response:
        change = self.get_object()
        data = self._input(request)
        visible = Ticket.objects.visible_to(request.user)
        wanted = {ref.strip().upper() for ref in [*data["add"], *data["remove"]]}
        found = {t.reference: t for t in visible.filter(reference__in=wanted)}
        missing = sorted(wanted - set(found))
        if missing:
            raise exceptions.ValidationError({"add": [_("Unknown tickets: %(refs)s") % {"refs": ", ".join(missing)}]})
        add = [found[ref.strip().upper()] for ref in data["add"]]
        remove = [found[ref.strip().upper()] for ref in data["remove"]]
        return self._answer(services.link_incidents(change, by=acting_user(request), add=add, remove=remove))


class ManagesChanges(permissions.BasePermission):
    """Reads for whoever sees the object; writes for change managers (and administrators) of its organisation."""

    message = _("Only change managers can change templates and freeze periods.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return change_permissions.is_change_manager(request.user)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return change_permissions.can_manage(request.user, obj.organization_id)


class _ConfigurationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Any],
):
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated, ManagesChanges]
    filter_backends = FILTER_BACKENDS
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]


@extend_schema_view(
    list=extend_schema(summary=_("Standard change templates the caller can see")),
    retrieve=extend_schema(summary=_("One standard change template")),
    create=extend_schema(summary=_("Create a template (change managers)")),
    update=extend_schema(summary=_("Replace a template (change managers)")),
    partial_update=extend_schema(summary=_("Change a template (change managers)")),
    destroy=extend_schema(summary=_("Delete a template no change was made from (change managers)")),
)
class ChangeTemplateViewSet(_ConfigurationViewSet):
    serializer_class = ChangeTemplateSerializer
    filterset_fields = ["organization", "is_active", "risk_level"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[ChangeTemplate]:
        return ChangeTemplate.objects.visible_to(self.request.user).select_related("organization")

    def perform_destroy(self, instance: ChangeTemplate) -> None:
        config.delete_template(instance, by=acting_user(self.request))


@extend_schema_view(
    list=extend_schema(summary=_("Freeze periods the caller can see")),
    retrieve=extend_schema(summary=_("One freeze period")),
    create=extend_schema(summary=_("Create a freeze period (change managers)")),
    update=extend_schema(summary=_("Replace a freeze period (change managers)")),
    partial_update=extend_schema(summary=_("Change a freeze period (change managers)")),
    destroy=extend_schema(summary=_("Delete a freeze period (change managers)")),
)
class FreezePeriodViewSet(_ConfigurationViewSet):
    serializer_class = FreezePeriodSerializer
    filterset_fields = ["organization"]
    ordering_fields = ["starts_at", "name"]
    ordering = ["starts_at"]

    def get_queryset(self) -> QuerySet[FreezePeriod]:
        return FreezePeriod.objects.visible_to(self.request.user).select_related("organization")

    def perform_destroy(self, instance: FreezePeriod) -> None:
        config.delete_freeze(instance, by=acting_user(self.request))
