"""Change management in the staff interface (``/desk/changes/``)."""

from django.urls import URLPattern

app_name = "changes"

urlpatterns: list[URLPattern] = []
