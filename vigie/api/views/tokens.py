"""The caller's own API tokens: list, create (the clear token is returned once), revoke."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from vigie.accounts.models import ApiToken
from vigie.accounts.services import issue_api_token, revoke_api_token
from vigie.api.base import acting_user
from vigie.api.serializers.tokens import ApiTokenSerializer, NewApiTokenSerializer


@extend_schema_view(
    list=extend_schema(summary=_("The caller's API tokens")),
    create=extend_schema(
        summary=_("Create an API token; the answer holds the token once"),
        request=ApiTokenSerializer,
        responses={201: NewApiTokenSerializer},
    ),
    destroy=extend_schema(summary=_("Revoke an API token")),
)
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[ApiToken],
):
    serializer_class = ApiTokenSerializer
    lookup_value_regex = "[0-9]+"
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user_id=acting_user(self.request).pk).order_by("-created_at", "-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = issue_api_token(
            acting_user(request), name=serializer.validated_data["name"], expires_at=serializer.validated_data.get("expires_at")
        )
        token.token = raw  # type: ignore[attr-defined]
        return Response(NewApiTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        revoke_api_token(instance, by=acting_user(self.request))
