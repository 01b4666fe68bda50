"""The knowledge pages: writing with a preview, publishing, history with a diff and restore,
categories, the ticket page's suggestions, and the portal (help articles, suggestions while a
request is written, "this solved my problem")."""

from __future__ import annotations

import pytest

from tests.conftest import World
from tests.knowledge_support import article
from vigie.knowledge import services
from vigie.knowledge.models import Article, ArticleStatus, Deflection, KnowledgeCategory, Visibility
from vigie.servicedesk import services as desk_services
from vigie.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_technician_writes_a_draft_that_an_admin_publishes(world: World, login):
    category = services.create_category(by=world.admin, name="Réseau")
    client = login(world.tech_a)
    page = client.get("/desk/knowledge/new/")
    assert page.status_code == 200 and "Enregistrer le brouillon" in page.content.decode()
    refused = client.post(
        "/desk/knowledge/new/",
        {"language": "fr", "title": "", "body": "x", "visibility": "clients", "clients": [world.client_b.pk]},
    )
    assert refused.status_code == 422 and not Article.objects.exists()
    created = client.post(
        "/desk/knowledge/new/",
        {
            "language": "fr",
            "title": "VPN FortiClient",
            "keywords": "vpn, télétravail",
            "body": "1. Ouvrir **FortiClient**\n2. Se connecter",
            "category": category.pk,
            "visibility": "clients",
            "clients": [world.client_a.pk],
        },
    )
    item = Article.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/desk/knowledge/{item.pk}/"
    assert item.status == ArticleStatus.DRAFT and list(item.clients.all()) == [world.client_a]
    detail = client.get(f"/desk/knowledge/{item.pk}/").content.decode()
    assert "<strong>FortiClient</strong>" in detail and 'value="publish"' not in detail
    assert client.post(f"/desk/knowledge/{item.pk}/status/", {"action": "publish"}).status_code == 403
    admin = login(world.admin)
    assert 'value="publish"' in admin.get(f"/desk/knowledge/{item.pk}/").content.decode()
    assert admin.post(f"/desk/knowledge/{item.pk}/status/", {"action": "publish"}).status_code == 302
    item.refresh_from_db()
    assert item.status == ArticleStatus.PUBLISHED


def test_preview_renders_sanitised_markdown(world: World, login):
    client = login(world.tech_a)
    answer = client.post("/desk/knowledge/preview/", {"body": "**gras** <script>alert(1)</script>"}, HTTP_HX_REQUEST="true")
    assert "<strong>gras</strong>" in answer.content.decode() and "<script" not in answer.content.decode()
    assert client.get("/desk/knowledge/preview/").status_code == 405


def test_edit_adds_a_translation_and_history_shows_the_diff_and_restores(world: World, login):
    item = article(world, "Outlook", "Ligne A\nLigne B", visibility=Visibility.INTERNAL, publish=False)
    client = login(world.tech_a)
    form = {"language": "fr", "title": "Outlook", "keywords": "", "body": "Ligne A\nLigne C", "visibility": "internal"}
    assert client.post(f"/desk/knowledge/{item.pk}/edit/", form).status_code == 302
    english = {**form, "language": "en", "title": "Outlook (EN)", "body": "Line A"}
    assert client.post(f"/desk/knowledge/{item.pk}/edit/", english).status_code == 302
    assert sorted(item.translations.values_list("language", flat=True)) == ["en", "fr"]
    history = client.get(f"/desk/knowledge/{item.pk}/history/", {"language": "fr"}).content.decode()
    assert "kb-diff-line--removed" in history and "Ligne B" in history and "Ligne C" in history
    first = item.translations.get(language="fr").versions.get(number=1)
    assert client.post(f"/desk/knowledge/{item.pk}/restore/", {"version": first.pk}).status_code == 302
    assert item.translations.get(language="fr").body == "Ligne A\nLigne B"
    # A version of another article is not restored through this one.
    other = article(world, "Autre", "z", visibility=Visibility.INTERNAL, publish=False)
    foreign = other.translations.get().versions.get()
    assert client.post(f"/desk/knowledge/{item.pk}/restore/", {"version": foreign.pk}).status_code == 404


def test_categories_page(world: World, login):
    admin = login(world.admin)
    assert admin.post("/desk/knowledge/categories/", {"name": "Messagerie"}).status_code == 302
    parent = KnowledgeCategory.objects.get()
    assert admin.post("/desk/knowledge/categories/", {"name": "Outlook", "parent": parent.pk}).status_code == 302
    assert admin.post("/desk/knowledge/categories/", {"name": ""}).status_code == 422
    assert "Messagerie › Outlook" in admin.get("/desk/knowledge/categories/").content.decode()
    technician = login(world.tech_a)
    assert technician.post("/desk/knowledge/categories/", {"name": "Intrus"}).status_code == 403
    assert KnowledgeCategory.objects.count() == 2


def test_the_ticket_page_suggests_articles_and_links_them(world: World, login):
    useful = article(world, "Imprimante bloquée", "Rallumer l'imprimante.", visibility=Visibility.ALL_CLIENTS)
    article(world, "Imprimante du cabinet", "x", visibility=Visibility.CLIENTS, clients=[world.client_b])
    ticket = desk_services.open_ticket(by=world.requester_a, organization=world.client_a, title="Imprimante en panne")
    client = login(world.tech_a)
    page = client.get(f"/desk/tickets/{ticket.reference}/").content.decode()
    assert f"/desk/knowledge/tickets/{ticket.reference}/" in page
    panel = client.get(f"/desk/knowledge/tickets/{ticket.reference}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Imprimante bloquée" in panel and "Imprimante du cabinet" not in panel
    assert f"http://testserver/portal/knowledge/{useful.pk}/" in panel  # the link to paste into a reply
    linked = client.post(f"/desk/knowledge/tickets/{ticket.reference}/link/", {"article": useful.pk}, HTTP_HX_REQUEST="true")
    assert linked.status_code == 200 and "Articles qui ont résolu ce ticket" in linked.content.decode()
    assert list(Ticket.objects.get(pk=ticket.pk).knowledge_articles.all()) == [useful]
    assert ticket.reference in client.get(f"/desk/knowledge/{useful.pk}/").content.decode()
    client.post(f"/desk/knowledge/tickets/{ticket.reference}/link/", {"article": useful.pk, "action": "unlink"})
    assert not ticket.knowledge_articles.exists()


def test_portal_suggestions_and_deflection(world: World, login):
    useful = article(
        world, "Réinitialiser son mot de passe Microsoft 365", "Aller sur aka.ms/sspr.", visibility=Visibility.ALL_CLIENTS
    )
    client = login(world.requester_a)
    form = client.get("/portal/tickets/new/").content.decode()
    assert "/portal/knowledge/suggestions/" in form and 'hx-trigger="input changed delay:600ms' in form
    panel = client.get("/portal/knowledge/suggestions/", {"title": "mot de passe", "description": "oublié"}).content.decode()
    assert "Réinitialiser son mot de passe Microsoft 365" in panel and "Cela a résolu mon problème" in panel
    assert client.get("/portal/knowledge/suggestions/", {"title": "zz"}).content.decode().strip() == ""
    answer = client.post(
        f"/portal/knowledge/{useful.pk}/solved/", {"title": "mot de passe", "description": "oublié"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and answer["HX-Redirect"] == "/portal/"
    deflection = Deflection.objects.get()
    assert (deflection.article, deflection.organization, deflection.query) == (useful, world.client_a, "mot de passe oublié")
    assert not Ticket.objects.exists()
    # Staff see the figure on the article.
    assert "Tickets évités" in login(world.admin).get(f"/desk/knowledge/{useful.pk}/").content.decode()


def test_portal_reads_in_the_employees_language_and_counts_views(world: World, login):
    both = article(world, "Wi-Fi invité", "Le code est à l'accueil.", visibility=Visibility.ALL_CLIENTS)
    services.save_translation(both, by=world.admin, language="en", title="Guest Wi-Fi", body="Ask at the front desk.")
    world.requester_a.language = "en"
    world.requester_a.save()
    client = login(world.requester_a)
    page = client.get(f"/portal/knowledge/{both.pk}/").content.decode()
    assert "Guest Wi-Fi" in page and "Ask at the front desk." in page and "Read in French" in page
    assert "Le code est à l'accueil." in client.get(f"/portal/knowledge/{both.pk}/", {"language": "fr"}).content.decode()
    both.refresh_from_db()
    assert both.view_count == 2
    voted = client.post(f"/portal/knowledge/{both.pk}/vote/", {"helpful": "yes"}, HTTP_HX_REQUEST="true")
    assert voted.status_code == 200 and "Thank you for your feedback." in voted.content.decode()
    assert both.votes.get().helpful is True


def test_nav_links(world: World, login):
    assert 'href="/desk/knowledge/"' in login(world.tech_a).get("/desk/tickets/").content.decode()
    page = login(world.requester_a).get("/portal/").content.decode()
    assert 'href="/portal/knowledge/"' in page and 'href="/desk/knowledge/"' not in page
