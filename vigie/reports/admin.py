from django.contrib import admin

from vigie.reports.models import FiguresMonth, MonthlyFigures, ReviewDelivery
from vigie.servicedesk.admin import ReadOnlyAdminMixin


@admin.register(ReviewDelivery)
class ReviewDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["organization", "month", "language", "sent_at"]
    list_filter = ["organization"]


@admin.register(MonthlyFigures)
class MonthlyFiguresAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["organization", "month", "opened", "resolved", "met", "measured"]
    list_filter = ["month"]


@admin.register(FiguresMonth)
class FiguresMonthAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["month", "computed_at"]
