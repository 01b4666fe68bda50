"""Short nested representations used inside other resources (a ticket's requester, group…)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from vigie.accounts.models import User
from vigie.servicedesk.models import Category
from vigie.tenancy.models import Organization, Site, TechnicianGroup


class OrganizationBriefSerializer(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ["id", "kind", "name", "slug"]
        read_only_fields = fields


class UserBriefSerializer(serializers.ModelSerializer[User]):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "name", "email"]
        read_only_fields = fields

    def get_name(self, user: User) -> str:
        return str(user)


class SiteBriefSerializer(serializers.ModelSerializer[Site]):
    class Meta:
        model = Site
        fields = ["id", "name", "city"]
        read_only_fields = fields


class GroupBriefSerializer(serializers.ModelSerializer[TechnicianGroup]):
    class Meta:
        model = TechnicianGroup
        fields = ["id", "name"]
        read_only_fields = fields


class CategoryBriefSerializer(serializers.ModelSerializer[Category]):
    class Meta:
        model = Category
        fields = ["id", "name", "full_name"]
        read_only_fields = fields


def choice_label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)
