"""Supervision in the staff interface (``/desk/monitoring/``): provider staff only."""

from django.urls import path

from vigie.monitoring.views import board, sources

app_name = "monitoring"

urlpatterns = [
    path("", board.overview, name="overview"),
    path("sources/", sources.source_list, name="source_list"),
    path("sources/new/", sources.source_create, name="source_create"),
    path("sources/<int:source_id>/", sources.source_detail, name="source_detail"),
    path("sources/<int:source_id>/rotate/", sources.source_rotate, name="source_rotate"),
    path("sources/<int:source_id>/deactivate/", sources.source_deactivate, name="source_deactivate"),
]
