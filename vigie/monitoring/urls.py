"""Supervision in the staff interface (``/desk/monitoring/``): provider staff only."""

from django.urls import path

from vigie.monitoring.heartbeats import restore_views
from vigie.monitoring.views import alerting, alerts, board, checks, items, probe_policy, sources

app_name = "monitoring"

urlpatterns = [
    path("", board.overview, name="overview"),
    path("sources/", sources.source_list, name="source_list"),
    path("sources/new/", sources.source_create, name="source_create"),
    path("sources/<int:source_id>/", sources.source_detail, name="source_detail"),
    path("sources/<int:source_id>/rotate/", sources.source_rotate, name="source_rotate"),
    path("sources/<int:source_id>/deactivate/", sources.source_deactivate, name="source_deactivate"),
    path("maintenance/", alerting.maintenance_list, name="maintenance_list"),
    path("maintenance/new/", alerting.maintenance_create, name="maintenance_create"),
    path("maintenance/<int:window_id>/", alerting.maintenance_edit, name="maintenance_edit"),
    path("maintenance/<int:window_id>/delete/", alerting.maintenance_delete, name="maintenance_delete"),
    path("channels/", alerting.channel_list, name="channel_list"),
    path("channels/new/", alerting.channel_create, name="channel_create"),
    path("channels/<int:channel_id>/", alerting.channel_edit, name="channel_edit"),
    path("channels/<int:channel_id>/delete/", alerting.channel_delete, name="channel_delete"),
    path("channels/<int:channel_id>/test/", alerting.channel_test, name="channel_test"),
    path("clients/<int:organization_id>/alert-policy/", alerting.alert_policy, name="alert_policy"),
    path("alerts/<int:alert_id>/acknowledge/", alerting.alert_acknowledge, name="alert_acknowledge"),
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
    path("checks/<int:check_id>/restore-tests/new/", restore_views.restore_test_create, name="restore_test_create"),
    path("clients/<int:organization_id>/probe-policy/", probe_policy.probe_policy, name="probe_policy"),
]
