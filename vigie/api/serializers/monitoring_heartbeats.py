"""Restore tests of backup checks: how they read, and the input that records one."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.api.base import StrictFieldsMixin, scope_queryset
from vigie.api.serializers.common import UserBriefSerializer
from vigie.monitoring.models import Check, RestoreResult, RestoreTest


class RestoreTestSerializer(serializers.ModelSerializer[RestoreTest]):
    check_name = serializers.CharField(source="backup.name", read_only=True, help_text=_("The backup check's name."))
    organization = serializers.IntegerField(source="backup.organization_id", read_only=True, help_text=_("The client (id)."))
    performed_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = RestoreTest
        fields = [
            "id",
            "backup",
            "check_name",
            "organization",
            "performed_on",
            "result",
            "performed_by",
            "evidence",
            "created_at",
        ]
        read_only_fields = fields


class RestoreTestCreateSerializer(StrictFieldsMixin, serializers.Serializer[Any]):
    backup = serializers.PrimaryKeyRelatedField(queryset=Check.objects.none(), help_text=_("The backup check (id)."))
    performed_on = serializers.DateField()
    result = serializers.ChoiceField(choices=RestoreResult.choices)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        scope_queryset(self, "backup", Check.objects.visible_to(request.user if request is not None else None).heartbeats())
