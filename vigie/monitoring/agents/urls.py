from django.urls import path

from vigie.monitoring.agents import views

app_name = "agent_api"

urlpatterns = [
    path("enrol", views.enrol, name="enrol"),
    path("reports", views.reports, name="reports"),
]
