"""Users, their memberships, and the caller's own profile (language, time zone)."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.accounts import services
from vigie.accounts.models import User
from vigie.api.base import StrictFieldsMixin, acting_user, scope_queryset
from vigie.api.serializers.common import OrganizationBriefSerializer, SiteBriefSerializer
from vigie.tenancy.models import CLIENT_ROLES, PROVIDER_ROLES, Membership, Organization, Role, Site


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(value: str) -> str:
    value = value.strip()
    if value and value not in _time_zones():
        raise serializers.ValidationError(_("Unknown time zone; use a name such as Europe/Paris."))
    return value


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    organization = OrganizationBriefSerializer(read_only=True)
    site = SiteBriefSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["organization", "role", "site"]
        read_only_fields = fields


class UserSerializer(StrictFieldsMixin, serializers.ModelSerializer[User]):
    """A user as other users see it; the provider's administrators may change it."""

    name = serializers.SerializerMethodField()
    memberships = MembershipSerializer(many=True, read_only=True, source="visible_memberships")

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "name",
            "first_name",
            "last_name",
            "phone",
            "job_title",
            "language",
            "time_zone",
            "is_active",
            "memberships",
        ]
        read_only_fields = ["id", "email", "name", "memberships"]

    def get_name(self, user: User) -> str:
        return str(user)

    def validate_time_zone(self, value: str) -> str:
        return check_time_zone(value)

    def update(self, instance: User, validated_data: dict[str, Any]) -> User:
        return services.update_user(instance, by=acting_user(self.context["request"]), **validated_data)


class ProfileSerializer(UserSerializer):
    """``/users/me/``: the caller may change their own name, phone, language and time zone."""

    class Meta(UserSerializer.Meta):
        read_only_fields = ["id", "email", "name", "memberships", "is_active"]


class UserCreateSerializer(StrictFieldsMixin, serializers.ModelSerializer[User]):
    """An administrator creates a user together with their membership of one organisation."""

    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), write_only=True)
    role = serializers.ChoiceField(choices=Role.choices, write_only=True)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.none(), write_only=True, required=False, allow_null=True)
    password = serializers.CharField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        help_text=_("Optional: without it the user sets a password with the reset link."),
    )

    class Meta:
        model = User
        fields = [
            "email",
            "first_name",
            "last_name",
            "phone",
            "job_title",
            "language",
            "time_zone",
            "organization",
            "role",
            "site",
            "password",
        ]
        extra_kwargs: dict[str, Any] = {"email": {"validators": []}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            organizations = Organization.objects.visible_to(request.user)
            scope_queryset(self, "organization", organizations)
            scope_queryset(self, "site", Site.objects.filter(organization__in=organizations))

    def validate_email(self, value: str) -> str:
        value = value.strip().lower()
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError(_("A user with this e-mail address already exists."))
        return value

    def validate_time_zone(self, value: str) -> str:
        return check_time_zone(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        organization: Organization = attrs["organization"]
        role = attrs["role"]
        allowed = PROVIDER_ROLES if organization.is_provider else CLIENT_ROLES
        if role not in allowed:
            raise serializers.ValidationError({"role": _("This role does not exist in this kind of organisation.")})
        site = attrs.get("site")
        if site is not None and site.organization_id != organization.pk:
            raise serializers.ValidationError({"site": _("This site belongs to another organisation.")})
        password = attrs.get("password")
        if password:
            candidate = User(email=attrs["email"], first_name=attrs.get("first_name", ""), last_name=attrs.get("last_name", ""))
            try:
                validate_password(password, candidate)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs

    def create(self, validated_data: dict[str, Any]) -> User:
        return services.create_member(by=acting_user(self.context["request"]), **validated_data)
