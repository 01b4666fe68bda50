"""Knowledge base in the staff interface (``/desk/knowledge/``): provider staff only, anyone else gets a 404."""

from django.urls import path

from vigie.knowledge.views import staff, tickets

app_name = "knowledge"

urlpatterns = [
    path("", staff.article_list, name="article_list"),
    path("new/", staff.article_create, name="article_create"),
    path("preview/", staff.preview, name="preview"),
    path("categories/", staff.category_list, name="category_list"),
    path("<int:article_id>/", staff.article_detail, name="article_detail"),
    path("<int:article_id>/edit/", staff.article_edit, name="article_edit"),
    path("<int:article_id>/status/", staff.article_status, name="article_status"),
    path("<int:article_id>/history/", staff.article_history, name="article_history"),
    path("<int:article_id>/restore/", staff.article_restore, name="article_restore"),
    path("tickets/<str:reference>/", tickets.ticket_suggestions, name="ticket_suggestions"),
    path("tickets/<str:reference>/link/", tickets.ticket_link, name="ticket_link"),
]
