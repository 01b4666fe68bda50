"""Admin of service levels: calendars with their ranges and closures, policies with their targets
and escalations; the computed clocks and fired escalations are read-only."""

from django.contrib import admin

from vigie.servicedesk.admin import ReadOnlyAdminMixin
from vigie.sla.models import (
    BusinessCalendar,
    CalendarClosure,
    EscalationFiring,
    EscalationRule,
    OpeningRange,
    SlaPolicy,
    SlaTarget,
    TicketSla,
)


class OpeningRangeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OpeningRange
    extra = 0


class CalendarClosureInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CalendarClosure
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "time_zone", "is_24x7", "holiday_country", "holiday_subdivision"]
    list_filter = ["organization", "is_24x7"]
    search_fields = ["name"]
    inlines = [OpeningRangeInline, CalendarClosureInline]


@admin.register(OpeningRange)
class OpeningRangeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["calendar", "weekday", "start", "end"]
    list_filter = ["calendar"]


@admin.register(CalendarClosure)
class CalendarClosureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["calendar", "date", "name"]
    list_filter = ["calendar"]


class SlaTargetInline(admin.TabularInline):  # type: ignore[type-arg]
    model = SlaTarget
    extra = 0


class EscalationRuleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = EscalationRule
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "order", "ticket_type", "category", "calendar", "is_active"]
    list_filter = ["organization", "is_active"]
    search_fields = ["name"]
    inlines = [SlaTargetInline, EscalationRuleInline]


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["policy", "priority", "response_minutes", "resolution_minutes", "calendar"]


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["policy", "clock", "at_percent", "action", "is_active"]


@admin.register(TicketSla)
class TicketSlaAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["ticket", "policy", "response_state", "response_due_at", "resolution_state", "resolution_due_at"]
    list_filter = ["response_state", "resolution_state"]
    raw_id_fields = ["ticket"]


@admin.register(EscalationFiring)
class EscalationFiringAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["rule", "ticket", "fired_at"]
    raw_id_fields = ["ticket"]
