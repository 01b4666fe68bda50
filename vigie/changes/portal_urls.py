"""Client managers' change approvals in the portal (``/portal/changes/``)."""

from django.urls import path

from vigie.changes.views import portal

app_name = "client_changes"

urlpatterns = [
    path("", portal.change_list, name="change_list"),
    path("<int:change_id>/", portal.change_detail, name="change_detail"),
]
