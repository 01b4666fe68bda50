"""Bounded counts: lists never count more rows than a person can page through."""

from __future__ import annotations

import pytest

from tests.test_api_support import api_as
from vigie.core.pagination import CappedPaginator
from vigie.servicedesk import services

pytestmark = pytest.mark.django_db


def test_paginator_counts_up_to_the_cap_and_says_there_are_more():
    exact = CappedPaginator(list(range(9)), 5)
    assert (exact.count, exact.is_capped, exact.num_pages) == (9, False, 2)
    capped = CappedPaginator(list(range(30)), 5)
    capped.cap = 12
    assert (capped.count, capped.is_capped, capped.num_pages) == (12, True, 3)
    assert list(capped.get_page(99)) == [10, 11]  # the last page within the cap


@pytest.fixture
def many_tickets(world, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    for index in range(5):
        services.open_ticket(by=world.requester_a, organization=world.client_a, title=f"Poste {index} lent")


def test_queue_says_more_than_the_cap(world, login, settings, many_tickets):
    settings.LANGUAGE_CODE = "en"
    body = login(world.tech_a).get("/desk/tickets/").content.decode()
    assert "More than 3 tickets" in body
    assert "5 tickets" not in body
    exact = login(world.tech_a).get("/desk/tickets/?q=Poste+2").content.decode()
    assert "1 ticket" in exact and "More than" not in exact


def test_api_tells_when_the_count_is_capped(world, many_tickets):
    client = api_as(world.tech_a)
    body = client.get("/api/v1/tickets/", {"page_size": 2}).json()
    assert (body["count"], body["count_capped"], len(body["results"])) == (3, True, 2)
    narrow = client.get("/api/v1/tickets/", {"search": "Poste 2"}).json()
    assert (narrow["count"], narrow["count_capped"]) == (1, False)


def test_search_pages_keep_their_order_whether_few_or_many_match(world, login, settings, many_tickets, monkeypatch):
    import re

    import vigie.core.pagination as pagination

    settings.LANGUAGE_CODE = "en"
    client = login(world.tech_a)

    def shown(query: str) -> list[str]:
        body = client.get("/desk/tickets/", {"q": query, "sort": "-reference"}).content.decode()
        return re.findall(r'class="ref" href="/desk/tickets/((?:INC|REQ)-\d+)/"', body)

    # Few matches: the page is read by the ids found while counting, in the requested order.
    assert shown("Poste") == ["INC-000005", "INC-000004", "INC-000003", "INC-000002", "INC-000001"]
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 2)
    body = client.get("/desk/tickets/", {"q": "Poste"}).content.decode()
    assert "More than 2 tickets" in body
    assert shown("Poste")[:2] == ["INC-000005", "INC-000004"]
