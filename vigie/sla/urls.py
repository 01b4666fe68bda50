"""Service levels in the staff interface (``/desk/sla/``): provider staff only, anyone else gets a 404."""

from django.urls import path

from vigie.sla.views import calendars, overview, policies

app_name = "sla"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("calendars/new/", calendars.calendar_create, name="calendar_create"),
    path("calendars/range-row/", calendars.range_row, name="range_row"),
    path("calendars/closure-row/", calendars.closure_row, name="closure_row"),
    path("calendars/holidays/", calendars.holidays_preview, name="holidays"),
    path("calendars/<int:calendar_id>/", calendars.calendar_edit, name="calendar_edit"),
    path("calendars/<int:calendar_id>/delete/", calendars.calendar_delete, name="calendar_delete"),
    path("policies/new/", policies.policy_create, name="policy_create"),
    path("policies/escalation-row/", policies.escalation_row, name="escalation_row"),
    path("policies/<int:policy_id>/", policies.policy_edit, name="policy_edit"),
    path("policies/<int:policy_id>/delete/", policies.policy_delete, name="policy_delete"),
]
