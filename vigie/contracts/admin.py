"""The Django admin of the contracts. Licence keys never appear here: they are read through the
audited reveal of the staff pages and the API."""

from django.contrib import admin

from vigie.contracts.models import Contract, ContractReminder, Licence, LicenceAssignment, LicenceKeyReveal, Supplier


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "kind", "contact_name", "support_phone"]
    list_filter = ["kind", "organization"]
    search_fields = ["name", "organization__name", "contact_name"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "organization", "supplier", "kind", "start_date", "end_date", "notice_deadline", "renewal"]
    list_filter = ["kind", "renewal", "organization"]
    search_fields = ["title", "reference", "organization__name", "supplier__name"]
    raw_id_fields = ["organization", "supplier", "support_calendar"]
    filter_horizontal = ["services"]


class LicenceAssignmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LicenceAssignment
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["software", "organization", "kind", "seats_purchased", "expiry_date"]
    list_filter = ["kind", "organization"]
    search_fields = ["software", "organization__name"]
    raw_id_fields = ["organization", "supplier", "contract"]
    exclude = ["key"]
    inlines = [LicenceAssignmentInline]


@admin.register(LicenceAssignment)
class LicenceAssignmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["licence", "user", "assigned_at"]
    raw_id_fields = ["licence", "user"]
    search_fields = ["licence__software", "user__email"]


@admin.register(ContractReminder)
class ContractReminderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["contract", "deadline", "days_before", "sent_at"]
    raw_id_fields = ["organization", "contract"]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(LicenceKeyReveal)
class LicenceKeyRevealAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["licence", "by", "at", "channel"]
    raw_id_fields = ["organization", "licence", "by"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
