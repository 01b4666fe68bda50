"""Who reads which article: the visibility matrix (internal / every client / one client; draft or
published) through the queryset, search, suggestions, the staff and portal pages, and the API."""

from __future__ import annotations

import pytest

from tests.conftest import World
from tests.knowledge_support import Library, library
from tests.test_api_support import api_as
from vigie.knowledge.models import Article
from vigie.knowledge.reading import search, suggestions

pytestmark = pytest.mark.django_db

# Who sees what, by article (True: sees it).
MATRIX = {
    #               internal everyone for_a  for_b  draft
    "admin": (True, True, True, True, True),
    "tech_a": (True, True, True, False, True),
    "tech_b": (True, True, False, True, True),
    "manager_a": (False, True, True, False, False),
    "requester_a": (False, True, True, False, False),
    "manager_b": (False, True, False, True, False),
    "requester_b": (False, True, False, True, False),
}
NAMES = ("internal", "everyone", "for_a", "for_b", "draft_everyone")


@pytest.fixture
def books(world: World) -> Library:
    return library(world)


def expected(books: Library, user_name: str) -> set[int]:
    return {getattr(books, name).pk for name, seen in zip(NAMES, MATRIX[user_name], strict=True) if seen}


@pytest.mark.parametrize("user_name", list(MATRIX))
def test_queryset_follows_the_matrix(world, books, user_name):
    user = getattr(world, user_name)
    assert set(Article.objects.visible_to(user).values_list("pk", flat=True)) == expected(books, user_name)


@pytest.mark.parametrize("user_name", list(MATRIX))
def test_search_and_suggestions_follow_the_matrix(world, books, user_name):
    user = getattr(world, user_name)
    found = {row.pk for row in search(Article.objects.visible_to(user), "imprimante", "fr")}
    assert found == expected(books, user_name)
    # Suggestions offer published articles only, even to staff.
    published = expected(books, user_name) - {books.draft_everyone.pk}
    assert {row.pk for row in suggestions(user, "mon imprimante ne marche plus", "fr", limit=10)} == published


def test_nobody_anonymous(books):
    from django.contrib.auth.models import AnonymousUser

    assert not Article.objects.visible_to(AnonymousUser()).exists()


@pytest.mark.parametrize("user_name", ["requester_a", "manager_a", "requester_b"])
def test_portal_pages_follow_the_matrix(world, books, login, user_name):
    client = login(getattr(world, user_name))
    seen = expected(books, user_name)
    listing = client.get("/portal/knowledge/").content.decode()
    searched = client.get("/portal/knowledge/", {"q": "imprimante"}).content.decode()
    for name in NAMES:
        item = getattr(books, name)
        title = item.translations.get().title
        visible = item.pk in seen
        assert (title in listing) is visible, (name, "list")
        assert (title in searched) is visible, (name, "search")
        status = client.get(f"/portal/knowledge/{item.pk}/").status_code
        assert status == (200 if visible else 404), name
        assert client.post(f"/portal/knowledge/{item.pk}/vote/", {"helpful": "yes"}).status_code in (
            (302,) if visible else (404,)
        )
    suggested = client.get("/portal/knowledge/suggestions/", {"title": "imprimante", "description": ""}).content.decode()
    for name in NAMES:
        assert (getattr(books, name).translations.get().title in suggested) is (getattr(books, name).pk in seen), name


@pytest.mark.parametrize("user_name", ["tech_a", "tech_b", "admin"])
def test_staff_pages_follow_the_matrix(world, books, login, user_name):
    client = login(getattr(world, user_name))
    seen = expected(books, user_name)
    listing = client.get("/desk/knowledge/").content.decode()
    searched = client.get("/desk/knowledge/", {"q": "imprimante"}).content.decode()
    for name in NAMES:
        item = getattr(books, name)
        title = item.translations.get().title
        assert (title in listing) is (item.pk in seen), name
        assert (title in searched) is (item.pk in seen), name
        for suffix in ("", "history/"):
            assert client.get(f"/desk/knowledge/{item.pk}/{suffix}").status_code == (200 if item.pk in seen else 404)
        # A technician changes drafts only; a published article is the publishers'.
        editable = item.pk in seen and (user_name == "admin" or item.status == "draft")
        edit = client.get(f"/desk/knowledge/{item.pk}/edit/").status_code
        assert edit == (200 if editable else 403 if item.pk in seen else 404), name


def test_client_users_have_no_staff_pages(world, books, login):
    client = login(world.manager_a)
    assert client.get("/desk/knowledge/").status_code == 404
    assert client.get(f"/desk/knowledge/{books.everyone.pk}/").status_code == 404


@pytest.mark.parametrize("user_name", list(MATRIX))
def test_api_follows_the_matrix(world, books, user_name):
    api = api_as(getattr(world, user_name))
    seen = expected(books, user_name)
    listed = api.get("/api/v1/articles/").json()
    assert {item["id"] for item in listed["results"]} == seen
    assert listed["count"] == len(seen)
    searched = api.get("/api/v1/articles/", {"q": "imprimante"}).json()
    assert {item["id"] for item in searched["results"]} == seen
    assert searched["count"] == len(seen)
    suggested = api.get("/api/v1/articles/suggestions/", {"for": "imprimante"}).json()
    assert {item["id"] for item in suggested} == seen - {books.draft_everyone.pk}
    for name in NAMES:
        item = getattr(books, name)
        assert api.get(f"/api/v1/articles/{item.pk}/").status_code == (200 if item.pk in seen else 404), name


def test_api_never_names_another_client(world, books):
    from vigie.knowledge import services
    from vigie.knowledge.models import Visibility

    services.update_article(books.for_a, by=world.admin, visibility=Visibility.CLIENTS, clients=[world.client_a, world.client_b])
    body = api_as(world.requester_a).get(f"/api/v1/articles/{books.for_a.pk}/").json()
    assert "clients" not in body
    assert api_as(world.tech_a).get(f"/api/v1/articles/{books.for_a.pk}/").json()["clients"] == [world.client_a.pk]
    assert world.client_b.name not in login_page(world, books)


def login_page(world, books) -> str:
    from django.test import Client

    client = Client()
    client.force_login(world.tech_a, backend="django.contrib.auth.backends.ModelBackend")
    return client.get(f"/desk/knowledge/{books.for_a.pk}/").content.decode()
