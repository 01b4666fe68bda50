"""Business services in the staff interface (``/desk/services/``): provider staff only, anyone else gets a 404."""

from django.urls import path

from vigie.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("new/", views.service_create, name="service_create"),
    path("<int:service_id>/", views.service_edit, name="service_edit"),
]
