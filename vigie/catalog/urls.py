"""The service catalog in the staff interface (``/desk/services/``): business services, request
templates and the fulfilment tasks of requests. Provider staff only, anyone else gets a 404."""

from django.urls import path

from vigie.catalog import task_views, template_views, views

app_name = "catalog"

urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("new/", views.service_create, name="service_create"),
    path("<int:service_id>/", views.service_detail, name="service_detail"),
    path("<int:service_id>/edit/", views.service_edit, name="service_edit"),
    path("templates/", template_views.template_list, name="template_list"),
    path("templates/new/", template_views.template_create, name="template_create"),
    path("templates/<int:template_id>/", template_views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/preview/", template_views.template_preview, name="template_preview"),
    path("templates/<int:template_id>/delete/", template_views.template_delete, name="template_delete"),
    path("requests/<str:reference>/tasks/<int:task_id>/finish/", task_views.task_finish, name="task_finish"),
    path("requests/<str:reference>/tasks/<int:task_id>/assign/", task_views.task_assign, name="task_assign"),
]
