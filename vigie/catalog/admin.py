from django.contrib import admin

from vigie.catalog.models import BusinessService


@admin.register(BusinessService)
class BusinessServiceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "criticality", "hourly_downtime_cost", "is_active"]
    list_filter = ["organization", "criticality", "is_active"]
    search_fields = ["name", "organization__name"]
