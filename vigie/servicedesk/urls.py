"""Staff interface (``/desk/``): provider staff only; anyone else gets a 404."""

from django.urls import path

from vigie.servicedesk.views import attachments, create, mail, queue, ticket

app_name = "servicedesk"

urlpatterns = [
    path("tickets/", queue.ticket_list, name="ticket_list"),
    path("tickets/new/", create.ticket_create, name="ticket_create"),
    path("tickets/<str:reference>/", ticket.ticket_detail, name="ticket_detail"),
    path("tickets/<str:reference>/comment/", ticket.ticket_comment, name="ticket_comment"),
    path("tickets/<str:reference>/assign/", ticket.ticket_assign, name="ticket_assign"),
    path("tickets/<str:reference>/details/", ticket.ticket_details, name="ticket_details"),
    path("tickets/<str:reference>/status/", ticket.ticket_status, name="ticket_status"),
    path("tickets/<str:reference>/watchers/", ticket.ticket_watchers, name="ticket_watchers"),
    path("attachments/<int:attachment_id>/", attachments.staff_attachment_download, name="attachment_download"),
    path("mail/", mail.inbound_list, name="inbound_list"),
    path("mail/<int:inbound_id>/raw/", mail.inbound_raw, name="inbound_raw"),
]
