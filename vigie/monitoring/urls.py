"""Supervision in the staff interface (``/desk/monitoring/``): provider staff only."""

from django.urls import path

from vigie.monitoring.views import alerting, board, sources

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
]
