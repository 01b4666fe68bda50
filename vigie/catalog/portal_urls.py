"""The catalog in the portal (``/portal/catalog/``): order a request, decide approvals."""

from django.urls import path

from vigie.catalog import portal_views

app_name = "client_catalog"

urlpatterns = [
    path("", portal_views.catalog_home, name="home"),
    path("<int:template_id>/", portal_views.order, name="order"),
    path("approvals/", portal_views.approval_list, name="approval_list"),
    path("approvals/<str:reference>/", portal_views.approval_detail, name="approval_detail"),
]
