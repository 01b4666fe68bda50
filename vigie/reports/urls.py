"""Reports for the provider's staff (``/reports/``): dashboards and the monthly service reviews."""

from django.urls import path, re_path

from vigie.reports import views

app_name = "reports"

MONTH = r"(?P<month>[0-9]{4}-[0-9]{2})"
CLIENT = r"(?P<organization_slug>[-a-zA-Z0-9_]+)"

urlpatterns = [
    path("technician/", views.technician, name="technician"),
    path("provider/", views.provider, name="provider"),
    path("reviews/<slug:organization_slug>/", views.review_picker, name="review_picker"),
    re_path(rf"^reviews/{CLIENT}/{MONTH}/$", views.review, name="review"),
    re_path(rf"^reviews/{CLIENT}/{MONTH}/pdf/$", views.review_pdf, name="review_pdf"),
]
