"""Problem management in the staff interface (``/desk/problems/``)."""

from django.urls import URLPattern

app_name = "problems"

urlpatterns: list[URLPattern] = []
