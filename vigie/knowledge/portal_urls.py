"""Help articles in the portal (``/portal/knowledge/``), for the client companies' employees."""

from django.urls import path

from vigie.knowledge.views import portal

app_name = "client_knowledge"

urlpatterns = [
    path("", portal.article_list, name="article_list"),
    path("suggestions/", portal.suggest, name="suggest"),
    path("<int:article_id>/", portal.article_detail, name="article_detail"),
    path("<int:article_id>/vote/", portal.article_vote, name="article_vote"),
    path("<int:article_id>/solved/", portal.article_solved, name="article_solved"),
]
