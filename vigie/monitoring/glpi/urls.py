from django.urls import path

from vigie.monitoring.glpi import views

app_name = "glpi"

urlpatterns = [
    path("<str:source_token>/", views.intake, name="intake"),
]
