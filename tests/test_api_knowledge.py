"""/api/v1/articles/ and /api/v1/knowledge-categories/: CRUD through the services, search,
suggestions, versions and restore, status changes, votes and ticket links."""

from __future__ import annotations

import pytest

from tests.conftest import World
from tests.knowledge_support import article
from tests.test_api_support import api_as, ticket_of
from vigie.knowledge.models import Article, ArticleStatus, KnowledgeCategory, Visibility

pytestmark = pytest.mark.django_db


def test_write_read_publish_through_the_api(world: World):
    tech = api_as(world.tech_a)
    category = api_as(world.admin).post("/api/v1/knowledge-categories/", {"name": "Réseau"}, format="json")
    assert category.status_code == 201 and category.json()["full_name"] == "Réseau"
    created = tech.post(
        "/api/v1/articles/",
        {
            "language": "fr",
            "title": "VPN",
            "body": "Lancer **FortiClient**.",
            "keywords": "vpn",
            "category": category.json()["id"],
            "visibility": "clients",
            "clients": [world.client_a.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["language"] == "fr" and body["clients"] == [world.client_a.pk]
    assert "<strong>FortiClient</strong>" in body["body_html"]
    pk = body["id"]
    english = tech.patch(
        f"/api/v1/articles/{pk}/", {"language": "en", "title": "VPN", "body": "Start FortiClient."}, format="json"
    )
    assert english.status_code == 200 and english.json()["language"] == "en"
    assert {t["language"] for t in english.json()["translations"]} == {"fr", "en"}
    assert tech.get(f"/api/v1/articles/{pk}/", {"language": "en"}).json()["body"] == "Start FortiClient."
    assert tech.post(f"/api/v1/articles/{pk}/status/", {"status": "published"}, format="json").status_code == 403
    published = api_as(world.admin).post(f"/api/v1/articles/{pk}/status/", {"status": "published"}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert tech.patch(f"/api/v1/articles/{pk}/", {"language": "fr", "body": "Autre"}, format="json").status_code == 403
    employee = api_as(world.requester_a)
    assert employee.get(f"/api/v1/articles/{pk}/").json()["title"] == "VPN"
    assert employee.patch(f"/api/v1/articles/{pk}/", {"visibility": "internal"}, format="json").status_code == 403
    assert employee.delete(f"/api/v1/articles/{pk}/").status_code == 403
    assert tech.delete(f"/api/v1/articles/{pk}/").status_code == 403
    assert api_as(world.admin).delete(f"/api/v1/articles/{pk}/").status_code == 204
    assert not Article.objects.exists()


def test_bad_input_is_a_400_naming_the_field(world: World):
    tech = api_as(world.tech_a)
    cases = [
        ({"title": "x", "body": "y"}, "language"),
        ({"language": "fr", "body": "y"}, "title"),
        ({"language": "fr", "title": " ", "body": "y"}, "title"),
        ({"language": "de", "title": "x", "body": "y"}, "language"),
        ({"language": "fr", "title": "x", "body": "y", "visibility": "clients"}, "clients"),
        ({"language": "fr", "title": "x", "body": "y", "visibility": "clients", "clients": [world.client_b.pk]}, "clients"),
        ({"language": "fr", "title": "x", "body": "y", "status": "published"}, "status"),
        ({"language": "fr", "title": "x", "body": "y", "titel": "typo"}, "titel"),
    ]
    for payload, field in cases:
        response = tech.post("/api/v1/articles/", payload, format="json")
        assert response.status_code == 400, (payload, response.json())
        assert field in response.json()["error"]["fields"], (payload, response.json())
    assert api_as(world.requester_a).post("/api/v1/articles/", cases[0][0], format="json").status_code == 403
    assert not Article.objects.exists()


def test_search_suggestions_versions_and_restore(world: World):
    item = article(world, "Outlook lent", "Réparer le fichier PST.", visibility=Visibility.ALL_CLIENTS, keywords="messagerie")
    article(world, "VPN", "FortiClient", visibility=Visibility.ALL_CLIENTS)
    admin = api_as(world.admin)
    admin.patch(f"/api/v1/articles/{item.pk}/", {"language": "fr", "body": "Recréer le profil Outlook."}, format="json")
    found = admin.get("/api/v1/articles/", {"q": "messagerie"}).json()
    assert [a["id"] for a in found["results"]] == [item.pk] and found["count"] == 1
    assert [a["id"] for a in admin.get("/api/v1/articles/suggestions/", {"for": "mon outlook est lent"}).json()] == [item.pk]
    assert admin.get("/api/v1/articles/suggestions/").json() == []
    versions = admin.get(f"/api/v1/articles/{item.pk}/versions/").json()
    assert [v["number"] for v in versions] == [2, 1]
    restored = admin.post(f"/api/v1/articles/{item.pk}/restore/", {"version": versions[1]["id"]}, format="json")
    assert restored.status_code == 200 and restored.json()["body"] == "Réparer le fichier PST."
    assert admin.post(f"/api/v1/articles/{item.pk}/restore/", {"version": 999999}, format="json").status_code == 404
    assert api_as(world.requester_a).get(f"/api/v1/articles/{item.pk}/versions/").status_code == 403


def test_votes_and_ticket_links(world: World):
    item = article(world, "Imprimante", "Rallumer.", visibility=Visibility.ALL_CLIENTS)
    employee = api_as(world.requester_a)
    voted = employee.post(f"/api/v1/articles/{item.pk}/vote/", {"helpful": True}, format="json")
    assert voted.status_code == 200 and voted.json()["helpful_count"] == 1
    ticket = ticket_of(world)
    tech = api_as(world.tech_a)
    assert tech.post(f"/api/v1/articles/{item.pk}/tickets/", {"ticket": ticket.reference}, format="json").status_code == 204
    assert list(ticket.knowledge_articles.all()) == [item]
    assert (
        api_as(world.tech_b).post(f"/api/v1/articles/{item.pk}/tickets/", {"ticket": ticket.reference}, format="json").status_code
        == 400
    )
    assert employee.post(f"/api/v1/articles/{item.pk}/tickets/", {"ticket": ticket.reference}, format="json").status_code == 403
    unlinked = tech.post(f"/api/v1/articles/{item.pk}/tickets/", {"ticket": ticket.reference, "linked": False}, format="json")
    assert unlinked.status_code == 204 and not ticket.knowledge_articles.exists()


def test_categories_are_read_by_all_and_changed_by_publishers(world: World):
    root = api_as(world.admin).post("/api/v1/knowledge-categories/", {"name": "Poste"}, format="json").json()
    assert api_as(world.requester_a).get("/api/v1/knowledge-categories/").json()["count"] == 1
    assert api_as(world.tech_a).post("/api/v1/knowledge-categories/", {"name": "X"}, format="json").status_code == 403
    child = api_as(world.admin).post("/api/v1/knowledge-categories/", {"name": "Lenteur", "parent": root["id"]}, format="json")
    assert child.json()["full_name"] == "Poste › Lenteur"
    assert api_as(world.admin).delete(f"/api/v1/knowledge-categories/{root['id']}/").status_code == 400
    assert KnowledgeCategory.objects.count() == 2
    assert ArticleStatus.DRAFT == "draft"
