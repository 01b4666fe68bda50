"""Supervision in the portal (``/portal/health/``): the own company's checks and alerts, read-only."""

from django.urls import path

from vigie.monitoring.views import portal

app_name = "client_monitoring"

urlpatterns = [path("", portal.health, name="home")]
