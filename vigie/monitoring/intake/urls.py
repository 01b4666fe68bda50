"""Alert intake endpoints (``/intake/``): authenticated by intake source tokens, no session."""

from django.urls import path

from vigie.monitoring.intake import views

app_name = "intake"

urlpatterns = [
    path("alertmanager/", views.receive_alertmanager, name="alertmanager"),
    path("alertmanager/<str:token>/", views.receive_alertmanager, name="alertmanager_token"),
    path("zabbix/", views.receive_zabbix, name="zabbix"),
    path("zabbix/<str:token>/", views.receive_zabbix, name="zabbix_token"),
    path("generic/", views.receive_generic, name="generic"),
    path("generic/schema.json", views.generic_schema, name="generic_schema"),
    path("generic/<str:token>/", views.receive_generic, name="generic_token"),
]
