"""Supervision in the staff interface (``/desk/monitoring/``): provider staff only."""

from django.urls import path

from vigie.monitoring.views import alerts, board, checks, items

app_name = "monitoring"

urlpatterns = [
    path("", board.overview, name="overview"),
    path("clients/<int:organization_id>/", board.client_board, name="client_board"),
    path("checks/", checks.check_list, name="check_list"),
    path("checks/new/", checks.check_create, name="check_create"),
    path("checks/<int:check_id>/", checks.check_detail, name="check_detail"),
    path("checks/<int:check_id>/edit/", checks.check_edit, name="check_edit"),
    path("checks/<int:check_id>/pause/", checks.check_pause, name="check_pause"),
    path("checks/<int:check_id>/resume/", checks.check_resume, name="check_resume"),
    path("checks/<int:check_id>/delete/", checks.check_delete, name="check_delete"),
    path("checks/<int:check_id>/pings/<int:ping_id>/", checks.check_ping, name="check_ping"),
    path("alerts/", alerts.alert_list, name="alert_list"),
    path("alerts/<int:alert_id>/", alerts.alert_detail, name="alert_detail"),
    path("items/<int:item_id>/metrics/", items.item_metrics, name="item_metrics"),
]
