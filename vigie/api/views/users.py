"""Users visible to the caller, their creation by an administrator, and the caller's own profile."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from vigie.accounts.models import User
from vigie.accounts.services import PROFILE_FIELDS, update_profile
from vigie.api.base import AdminWritesOthersRead, acting_user
from vigie.api.filters import FILTER_BACKENDS, UserFilter
from vigie.api.serializers.users import ProfileSerializer, UserCreateSerializer, UserSerializer
from vigie.tenancy.access import users_visible_to, visible_organization_ids
from vigie.tenancy.models import Membership


@extend_schema_view(
    list=extend_schema(summary=_("Users the caller can see")),
    create=extend_schema(
        summary=_("Create a user with a membership (administrators)"),
        request=UserCreateSerializer,
        responses={201: UserSerializer},
    ),
    partial_update=extend_schema(summary=_("Change a user (administrators)")),
)
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[User],
):
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    lookup_value_regex = "[0-9]+"
    filterset_class = UserFilter
    ordering_fields = ["email", "last_name", "first_name"]
    ordering = ["last_name", "first_name", "email"]
    filter_backends = FILTER_BACKENDS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[User]:
        memberships = Membership.objects.filter(organization_id__in=visible_organization_ids(self.request.user))
        return users_visible_to(self.request.user).prefetch_related(
            Prefetch(
                "memberships",
                queryset=memberships.select_related("organization", "site").order_by("organization__name"),
                to_attr="visible_memberships",
            )
        )

    def get_permissions(self) -> Any:
        if self.action == "me":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return UserCreateSerializer
        if self.action == "me":
            return ProfileSerializer
        return UserSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.save()
        created = self.get_queryset().get(pk=user.pk)
        return Response(UserSerializer(created, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("The caller's own profile"), methods=["GET"])
    @extend_schema(summary=_("Change the caller's name, phone, language or time zone"), methods=["PATCH"])
    @action(detail=False, methods=["get", "patch"], url_path="me")
    def me(self, request: Request) -> Response:
        me = self.get_queryset().get(pk=acting_user(request).pk)
        if request.method == "PATCH":
            serializer = ProfileSerializer(me, data=request.data, partial=True, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            values = {name: serializer.validated_data.get(name, getattr(me, name)) for name in PROFILE_FIELDS}
            update_profile(me, by=acting_user(request), **values)
            me = self.get_queryset().get(pk=me.pk)
        return Response(ProfileSerializer(me, context=self.get_serializer_context()).data)
