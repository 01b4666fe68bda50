"""Configuration management in the staff interface (``/desk/cmdb/``)."""

from django.urls import URLPattern

app_name = "cmdb"

urlpatterns: list[URLPattern] = []
