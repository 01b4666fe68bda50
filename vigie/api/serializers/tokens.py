"""The caller's own API tokens. The clear value is returned once, at creation."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.accounts.models import ApiToken
from vigie.api.base import StrictFieldsMixin


class ApiTokenSerializer(StrictFieldsMixin, serializers.ModelSerializer[ApiToken]):
    is_usable = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "hint", "expires_at", "revoked_at", "last_used_at", "created_at", "is_usable"]
        read_only_fields = ["id", "hint", "revoked_at", "last_used_at", "created_at", "is_usable"]

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Give the token a name that says where it is used."))
        return value

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError(_("The expiry date must be in the future."))
        return value


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text=_("The token itself, shown only in this answer: store it now."))

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = [*ApiTokenSerializer.Meta.read_only_fields, "token"]
