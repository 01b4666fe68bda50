from django.contrib import admin

from vigie.catalog.models import (
    BusinessService,
    FulfilmentTask,
    FulfilmentTaskTemplate,
    RequestField,
    RequestTemplate,
    ServiceRequest,
)


@admin.register(BusinessService)
class BusinessServiceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "criticality", "hourly_downtime_cost", "rto_minutes", "rpo_minutes", "is_active"]
    list_filter = ["organization", "criticality", "is_active"]
    search_fields = ["name", "organization__name"]
    raw_id_fields = ["owner", "calendar", "sla_policy"]


class RequestFieldInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RequestField
    extra = 0


class FulfilmentTaskTemplateInline(admin.TabularInline):  # type: ignore[type-arg]
    model = FulfilmentTaskTemplate
    extra = 0
    raw_id_fields = ["group"]


@admin.register(RequestTemplate)
class RequestTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "audience", "organization", "approval", "is_published"]
    list_filter = ["audience", "approval", "is_published"]
    search_fields = ["name", "organization__name"]
    raw_id_fields = ["organization", "category", "service", "group", "approver"]
    filter_horizontal = ["clients"]
    inlines = [RequestFieldInline, FulfilmentTaskTemplateInline]


@admin.register(RequestField)
class RequestFieldAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["label", "template", "kind", "required", "order"]
    list_filter = ["kind", "required"]
    search_fields = ["label", "template__name"]
    raw_id_fields = ["template"]


@admin.register(FulfilmentTaskTemplate)
class FulfilmentTaskTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "template", "group", "order"]
    search_fields = ["title", "template__name"]
    raw_id_fields = ["template", "group"]


class FulfilmentTaskInline(admin.TabularInline):  # type: ignore[type-arg]
    model = FulfilmentTask
    extra = 0
    raw_id_fields = ["group", "assignee", "finished_by"]


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["ticket", "template_name", "organization", "approval_rule", "approval_state", "decided_at"]
    list_filter = ["approval_rule", "approval_state"]
    search_fields = ["ticket__reference", "template_name", "organization__name"]
    raw_id_fields = ["ticket", "organization", "template", "approver", "decided_by"]
    inlines = [FulfilmentTaskInline]


@admin.register(FulfilmentTask)
class FulfilmentTaskAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "request", "state", "group", "assignee", "finished_at"]
    list_filter = ["state"]
    search_fields = ["title", "request__ticket__reference"]
    raw_id_fields = ["request", "group", "assignee", "finished_by"]
