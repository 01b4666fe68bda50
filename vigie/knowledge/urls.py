"""Knowledge base in the staff interface (``/desk/knowledge/``)."""

from django.urls import URLPattern

app_name = "knowledge"

urlpatterns: list[URLPattern] = []
