from django.urls import path

from vigie.servicedesk.inbound import views

urlpatterns = [
    path("", views.receive_email, name="inbound_email"),
]
