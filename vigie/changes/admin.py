"""Change management in the admin site: the CAB policy and the risk questionnaire are configured
here; changes themselves are read-only (they move through the services, with their timeline)."""

from __future__ import annotations

from django.contrib import admin

from vigie.changes.models import (
    CalendarFeed,
    Change,
    ChangeApproval,
    ChangeCounter,
    ChangeEvent,
    ChangePolicy,
    ChangeRiskAnswer,
    ChangeTemplate,
    FreezePeriod,
    RiskChoice,
    RiskQuestion,
)
from vigie.servicedesk.admin import ReadOnlyAdminMixin


@admin.register(ChangePolicy)
class ChangePolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["organization", "approval_rule", "quorum"]
    filter_horizontal = ["cab_members"]


class RiskChoiceInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RiskChoice
    extra = 1


@admin.register(RiskQuestion)
class RiskQuestionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["text", "order", "is_active"]
    list_editable = ["order", "is_active"]
    inlines = [RiskChoiceInline]


@admin.register(RiskChoice)
class RiskChoiceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["text", "question", "weight", "order"]
    list_filter = ["question"]


@admin.register(ChangeTemplate)
class ChangeTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "risk_level", "is_active"]
    list_filter = ["organization", "risk_level", "is_active"]
    search_fields = ["name"]


@admin.register(FreezePeriod)
class FreezePeriodAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "starts_at", "ends_at"]
    list_filter = ["organization"]
    search_fields = ["name"]


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["reference", "title", "organization", "type", "status", "risk_level", "planned_start"]
    list_filter = ["organization", "type", "status", "risk_level"]
    search_fields = ["reference", "title"]


@admin.register(ChangeApproval)
class ChangeApprovalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["change", "approver", "role", "decision", "decided_at"]
    list_filter = ["role", "decision"]


@admin.register(ChangeEvent)
class ChangeEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["change", "kind", "actor", "at"]
    list_filter = ["kind"]


@admin.register(ChangeRiskAnswer)
class ChangeRiskAnswerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["change", "question", "choice"]


@admin.register(ChangeCounter)
class ChangeCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["last_number"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "rotated_at"]
