"""Admin of organisations, sites, memberships and technician groups."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigie.core.models import AuditEntry
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Site, TechnicianGroup


class SiteInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Site
    extra = 0
    fields = ("name", "address", "postal_code", "city", "country")


class OrganizationMembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    fields = ("user", "role", "site")
    autocomplete_fields = ("user", "site")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "slug", "support_email", "member_count", "mfa_required", "is_active")
    list_filter = ("kind", "mfa_required", "is_active", "unknown_sender_policy")
    search_fields = ("name", "slug", "support_email", "email_domains")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    inlines = (SiteInline, OrganizationMembershipInline)
    fieldsets = (
        (None, {"fields": ("kind", "name", "slug", "ticket_prefix", "is_active")}),
        (_("E-mail"), {"fields": ("support_email", "email_domains", "unknown_sender_policy")}),
        (_("Security"), {"fields": ("mfa_required",)}),
        (_("Satisfaction"), {"fields": ("satisfaction_percent",)}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        queryset: QuerySet[Organization] = super().get_queryset(request)
        return queryset.annotate(_member_count=Count("memberships"))

    @admin.display(description=_("members"), ordering="_member_count")
    def member_count(self, organization: Any) -> int:
        return int(getattr(organization, "_member_count", 0))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """The organisation's audit entries go with it (the entry of the deletion itself stays,
        unattached): they cannot be deleted one by one, but must not block this deletion."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        audit_name = str(AuditEntry._meta.verbose_name)
        return deleted, model_count, {name for name in perms_needed if str(name) != audit_name}, protected


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "organization", "city", "postal_code", "country")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "country")
    search_fields = ("name", "city", "postal_code", "organization__name")
    autocomplete_fields = ("organization",)
    list_select_related = ("organization",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "organization", "role", "site", "created_at")
    list_filter = ("role", "organization__kind", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__email", "user__first_name", "user__last_name", "organization__name")
    autocomplete_fields = ("user", "organization", "site")
    list_select_related = ("user", "organization", "site")


@admin.register(TechnicianGroup)
class TechnicianGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "organization", "lead", "email", "member_count", "client_count")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "email", "organization__name")
    autocomplete_fields = ("lead", "members")
    filter_horizontal = ("clients",)
    list_select_related = ("organization", "lead")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TechnicianGroup]:
        queryset: QuerySet[TechnicianGroup] = super().get_queryset(request)
        return queryset.annotate(_member_count=Count("members", distinct=True), _client_count=Count("clients", distinct=True))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organization":
            kwargs["queryset"] = Organization.objects.providers()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "clients":
            kwargs["queryset"] = Organization.objects.filter(kind=OrganizationKind.CLIENT)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("members"), ordering="_member_count")
    def member_count(self, group: Any) -> int:
        return int(getattr(group, "_member_count", 0))

    @admin.display(description=_("clients served"), ordering="_client_count")
    def client_count(self, group: Any) -> int:
        return int(getattr(group, "_client_count", 0))
