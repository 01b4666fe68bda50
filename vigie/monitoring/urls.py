"""Supervision in the staff interface (``/desk/monitoring/``): provider staff only."""

from django.urls import path

from vigie.monitoring.views import board, probe_policy

app_name = "monitoring"

urlpatterns = [
    path("", board.overview, name="overview"),
    path("clients/<int:organization_id>/probe-policy/", probe_policy.probe_policy, name="probe_policy"),
]
