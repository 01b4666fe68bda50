from django.contrib import admin

from vigie.reports.models import ReviewDelivery
from vigie.servicedesk.admin import ReadOnlyAdminMixin


@admin.register(ReviewDelivery)
class ReviewDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["organization", "month", "language", "sent_at"]
    list_filter = ["organization"]
