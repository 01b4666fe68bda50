"""URLs of the bench server: the whole application plus the bare baseline views."""

from django.urls import path

from bench import views
from vigie.urls import urlpatterns as vigie_urlpatterns

urlpatterns = [
    path("bench/bare/", views.bare, name="bench_bare"),
    path("bench/bare-api/", views.BareApiView.as_view(), name="bench_bare_api"),
    path("bench/bare-json/", views.bare_json, name="bench_bare_json"),
    *vigie_urlpatterns,
]
