"""Reports in the portal (``/portal/reports/``), for a client's manager and IT contact."""

from django.urls import path, re_path

from vigie.reports import views
from vigie.reports.urls import CLIENT, MONTH

app_name = "client_reports"

urlpatterns = [
    path("", views.client_home, name="home"),
    path("<slug:organization_slug>/", views.client_dashboard, name="dashboard"),
    path("<slug:organization_slug>/reviews/", views.client_review_picker, name="review_picker"),
    re_path(rf"^{CLIENT}/reviews/{MONTH}/$", views.client_review, name="review"),
    re_path(rf"^{CLIENT}/reviews/{MONTH}/pdf/$", views.client_review_pdf, name="review_pdf"),
]
