"""Self-service portal (``/portal/``) for the client companies' employees."""

from django.urls import path

from vigie.servicedesk.views import attachments, portal

app_name = "portal"

urlpatterns = [
    path("", portal.ticket_list, name="ticket_list"),
    path("tickets/new/", portal.ticket_create, name="ticket_create"),
    path("tickets/<str:reference>/", portal.ticket_detail, name="ticket_detail"),
    path("tickets/<str:reference>/reply/", portal.ticket_reply, name="ticket_reply"),
    path("tickets/<str:reference>/close/", portal.ticket_close, name="ticket_close"),
    path("tickets/<str:reference>/reopen/", portal.ticket_reopen, name="ticket_reopen"),
    path("attachments/<int:attachment_id>/", attachments.attachment_download, name="attachment_download"),
]
