"""Suppliers and contracts in the staff interface (``/desk/contracts/``)."""

from django.urls import URLPattern

app_name = "contracts"

urlpatterns: list[URLPattern] = []
