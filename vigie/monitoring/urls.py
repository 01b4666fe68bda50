"""Supervision in the staff interface (``/desk/monitoring/``): provider staff only."""

from django.urls import path

from vigie.monitoring.views import board

app_name = "monitoring"

urlpatterns = [
    path("", board.overview, name="overview"),
]
