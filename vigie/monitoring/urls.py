"""Supervision in the staff interface (``/desk/monitoring/``): provider staff only."""

from django.urls import path

from vigie.monitoring.heartbeats import restore_views
from vigie.monitoring.views import board

app_name = "monitoring"

urlpatterns = [
    path("", board.overview, name="overview"),
    path("checks/<int:check_id>/restore-tests/new/", restore_views.restore_test_create, name="restore_test_create"),
]
