"""Change management in the staff interface (``/desk/changes/``): provider staff only, anyone else gets a 404."""

from django.urls import path

from vigie.changes.views import calendar, changes

app_name = "changes"

urlpatterns = [
    path("", changes.change_list, name="change_list"),
    path("new/", changes.change_create, name="change_create"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/feed/rotate/", calendar.feed_rotate, name="feed_rotate"),
    path("freezes/", calendar.freeze_list, name="freeze_list"),
    path("freezes/<int:freeze_id>/delete/", calendar.freeze_delete, name="freeze_delete"),
    path("tickets/<str:reference>/link/", changes.ticket_link, name="ticket_link"),
    path("<int:change_id>/", changes.change_detail, name="change_detail"),
    path("<int:change_id>/edit/", changes.change_edit, name="change_edit"),
    path("<int:change_id>/action/", changes.change_action, name="change_action"),
    path("<int:change_id>/risk/", changes.change_risk, name="change_risk"),
    path("<int:change_id>/decide/", changes.change_decide, name="change_decide"),
    path("<int:change_id>/incidents/", changes.change_incidents, name="change_incidents"),
]
