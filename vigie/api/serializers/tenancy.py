"""Organisations (the provider and its client companies), their sites, and technician groups."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.accounts.models import User
from vigie.api.base import StrictFieldsMixin, acting_user, scope_queryset
from vigie.api.serializers.common import OrganizationBriefSerializer
from vigie.tenancy import services
from vigie.tenancy.access import access_for, staff_visible_to
from vigie.tenancy.models import Organization, Site, TechnicianGroup


class OrganizationSerializer(StrictFieldsMixin, serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "name",
            "slug",
            "ticket_prefix",
            "support_email",
            "email_domains",
            "unknown_sender_policy",
            "mfa_required",
            "satisfaction_percent",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "kind", "created_at", "updated_at"]

    def validate_support_email(self, value: str) -> str:
        value = value.strip().lower()
        if value:
            others = Organization.objects.filter(support_email__iexact=value)
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise serializers.ValidationError(_("Another organisation already uses this support address."))
        return value

    def validate_email_domains(self, value: str) -> str:
        domains = [d.strip().lower().lstrip("@") for d in value.split(",") if d.strip()]
        for domain in domains:
            if "." not in domain or any(c.isspace() or c in "@/" for c in domain):
                raise serializers.ValidationError(_("“%(domain)s” is not a domain name.") % {"domain": domain})
        return ", ".join(domains)

    def create(self, validated_data: dict[str, Any]) -> Organization:
        return services.create_client(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: Organization, validated_data: dict[str, Any]) -> Organization:
        return services.update_organization(instance, by=acting_user(self.context["request"]), **validated_data)


class SiteSerializer(StrictFieldsMixin, serializers.ModelSerializer[Site]):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())

    class Meta:
        model = Site
        fields = ["id", "organization", "name", "address", "postal_code", "city", "country", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            scope_queryset(self, "organization", Organization.objects.visible_to(request.user))

    def validate_country(self, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise serializers.ValidationError(_("Use a two-letter country code such as FR."))
        return value.upper()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        organization = attrs.get("organization", getattr(self.instance, "organization", None))
        name = attrs.get("name", getattr(self.instance, "name", None))
        if organization is not None and name is not None:
            clash = Site.objects.filter(organization=organization, name__iexact=name)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError({"name": _("This organisation already has a site with this name.")})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Site:
        return services.create_site(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: Site, validated_data: dict[str, Any]) -> Site:
        return services.update_site(instance, by=acting_user(self.context["request"]), **validated_data)


class GroupSerializer(StrictFieldsMixin, serializers.ModelSerializer[TechnicianGroup]):
    organization = OrganizationBriefSerializer(read_only=True)
    lead = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), allow_null=True, required=False)
    members = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), many=True, required=False)
    clients = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), many=True, required=False)

    class Meta:
        model = TechnicianGroup
        fields = ["id", "organization", "name", "email", "lead", "members", "clients", "created_at", "updated_at"]
        read_only_fields = ["id", "organization", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        staff = staff_visible_to(request.user)
        scope_queryset(self, "lead", staff)
        scope_queryset(self, "members", staff)
        scope_queryset(self, "clients", Organization.objects.visible_to(request.user).clients())

    def to_representation(self, instance: TechnicianGroup) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None:
            # A technician reads the groups of the provider, but only the clients they serve.
            visible = access_for(request.user).client_ids
            if not access_for(request.user).is_superuser:
                data["clients"] = [pk for pk in data["clients"] if pk in visible]
        return data

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("A name is required."))
        organization_id = self.instance.organization_id if self.instance else self._provider_id()
        clash = TechnicianGroup.objects.filter(organization_id=organization_id or 0, name__iexact=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(_("A group with this name already exists."))
        return value

    def _provider_id(self) -> int | None:
        provider_ids = sorted(access_for(self.context["request"].user).provider_ids)
        return provider_ids[0] if provider_ids else None

    def create(self, validated_data: dict[str, Any]) -> TechnicianGroup:
        provider_id = self._provider_id()
        if provider_id is None:
            raise serializers.ValidationError({"organization": _("There is no provider organisation.")})
        return services.create_group(by=acting_user(self.context["request"]), provider_id=provider_id, **validated_data)

    def update(self, instance: TechnicianGroup, validated_data: dict[str, Any]) -> TechnicianGroup:
        return services.update_group(instance, by=acting_user(self.context["request"]), **validated_data)
