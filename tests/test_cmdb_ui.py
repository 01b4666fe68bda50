"""The CMDB pages: list with filters and constant queries, detail with impact and graph,
forms with class attributes, deletion of a linked CI, ticket links, visibility."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.conftest import World
from vigie.catalog.models import BusinessService
from vigie.cmdb import services
from vigie.cmdb.models import CIClass, ConfigurationItem, Relation, RelationKind, ServiceComponent, TicketConfigurationItem
from vigie.servicedesk import services as desk


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """These tests read the English wording (the French one is checked by the catalog tests)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def make(
    world: World, name: str, ci_class: str = CIClass.SERVER, organization: object = None, **values: object
) -> ConfigurationItem:
    return services.create_item(
        by=world.admin, organization=organization or world.client_a, name=name, ci_class=ci_class, **values
    )


def test_list_filters_and_search(world: World, login) -> None:
    make(world, "SRV-COMPTA", vendor="Dell", serial_number="ABC123")
    make(world, "PC-Rose", CIClass.LAPTOP)
    make(world, "SRV-Lefevre", organization=world.client_b)
    client = login(world.tech_a)
    page = client.get(reverse("cmdb:item_list")).content.decode()
    assert "SRV-COMPTA" in page and "PC-Rose" in page
    assert "SRV-Lefevre" not in page  # client B is not served by tech_a
    searched = client.get(reverse("cmdb:item_list"), {"q": "abc1"}).content.decode()
    assert "SRV-COMPTA" in searched and "PC-Rose" not in searched
    by_class = client.get(reverse("cmdb:item_list"), {"ci_class": CIClass.LAPTOP}).content.decode()
    assert "PC-Rose" in by_class and "SRV-COMPTA" not in by_class
    by_vendor = client.get(reverse("cmdb:item_list"), {"q": "DELL"}).content.decode()
    assert "SRV-COMPTA" in by_vendor


def test_list_query_count_does_not_grow(world: World, login) -> None:
    client = login(world.admin)
    for n in range(3):
        make(world, f"A{n}", site=world.site_a, owner=world.tech_a)
    client.get(reverse("cmdb:item_list"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("cmdb:item_list")).status_code == 200
    for n in range(25):
        make(world, f"B{n}", CIClass.LAPTOP, site=world.site_a, owner=world.tech_b)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("cmdb:item_list")).status_code == 200
    assert len(many) == len(few)


def test_create_with_class_attributes_and_errors(world: World, login) -> None:
    client = login(world.tech_a)
    url = reverse("cmdb:item_create") + f"?organization={world.client_a.pk}&ci_class=server"
    page = client.get(url).content.decode()
    assert "CPU cores" in page
    refused = client.post(
        url,
        {
            "name": "SRV01",
            "status": "in_production",
            "criticality": 2,
            "data_classification": "internal",
            "hosting": "on_premises",
            "attr_cpu_cores": "many",
            "hosting_country": "France",
        },
    )
    assert refused.status_code == 422
    assert not ConfigurationItem.objects.exists()
    created = client.post(
        url,
        {
            "name": "SRV01",
            "status": "in_production",
            "criticality": 2,
            "data_classification": "internal",
            "hosting": "cloud",
            "attr_cpu_cores": "8",
            "attr_os": "Debian 12",
            "hosting_country": "fr",
        },
    )
    assert created.status_code == 302
    item = ConfigurationItem.objects.get()
    assert item.attributes == {"cpu_cores": 8, "os": "Debian 12"}
    assert item.hosting_country == "FR"
    duplicate = client.post(
        url, {"name": "srv01", "status": "in_production", "criticality": 2, "data_classification": "internal", "hosting": "cloud"}
    )
    assert duplicate.status_code == 422
    assert "already has a configuration item" in duplicate.content.decode()


def test_detail_shows_relations_impact_and_graph(world: World, login) -> None:
    host, vm = make(world, "ESX01"), make(world, "VM-ERP", CIClass.VIRTUAL_MACHINE)
    services.add_relation(by=world.admin, source=vm, target=host, kind=RelationKind.HOSTED_ON)
    service = BusinessService.objects.create(organization=world.client_a, name="Ventes en ligne")
    services.add_component(by=world.admin, service=service, item=vm)
    client = login(world.tech_a)
    page = client.get(reverse("cmdb:item_detail", args=[host.pk])).content.decode()
    assert "VM-ERP" in page and "Ventes en ligne" in page and "<svg" in page
    svg = client.get(reverse("cmdb:item_graph", args=[host.pk]))
    assert svg["Content-Type"].startswith("image/svg+xml") and b"VM-ERP" in svg.content


def test_relation_forms_and_cross_tenant_refusal(world: World, login) -> None:
    a, b = make(world, "APP", CIClass.APPLICATION), make(world, "DB", CIClass.DATABASE)
    foreign = make(world, "Autre", organization=world.client_b)
    client = login(world.admin)
    url = reverse("cmdb:relation_add", args=[a.pk])
    client.post(url, {"direction": "outgoing", "kind": RelationKind.DEPENDS_ON, "other": b.name})
    assert Relation.objects.filter(source=a, target=b).exists()
    client.post(url, {"direction": "outgoing", "kind": RelationKind.DEPENDS_ON, "other": foreign.name})
    assert not Relation.objects.filter(target=foreign).exists()
    with pytest.raises(Exception, match="itself"):
        services.add_relation(by=world.admin, source=a, target=a, kind=RelationKind.DEPENDS_ON)
    relation = Relation.objects.get()
    client.post(reverse("cmdb:relation_remove", args=[relation.pk]))
    assert not Relation.objects.exists()


def test_deleting_a_linked_item_needs_confirmation(world: World, login) -> None:
    a, b = make(world, "APP", CIClass.APPLICATION), make(world, "DB", CIClass.DATABASE)
    services.add_relation(by=world.admin, source=a, target=b, kind=RelationKind.DEPENDS_ON)
    ticket = desk.open_ticket(by=world.requester_a, organization=world.client_a, title="Base lente")
    services.link_ticket(by=world.tech_a, ticket=ticket, item=b)
    service = BusinessService.objects.create(organization=world.client_a, name="ERP")
    services.add_component(by=world.admin, service=service, item=b)
    client = login(world.tech_a)
    url = reverse("cmdb:item_delete", args=[b.pk])
    page = client.get(url).content.decode()
    assert ticket.reference in page and "ERP" in page and "APP" in page
    refused = client.post(url)
    assert refused.status_code == 422 and ConfigurationItem.objects.filter(pk=b.pk).exists()
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert not ConfigurationItem.objects.filter(pk=b.pk).exists()
    assert (
        not Relation.objects.exists() and not ServiceComponent.objects.exists() and not TicketConfigurationItem.objects.exists()
    )
    assert ConfigurationItem.objects.filter(pk=a.pk).exists()
    ticket.refresh_from_db()  # the ticket stays


def test_ticket_page_links_items_and_shows_impact(world: World, login) -> None:
    host, app = make(world, "ESX01"), make(world, "ERP", CIClass.APPLICATION)
    services.add_relation(by=world.admin, source=app, target=host, kind=RelationKind.RUNS_ON)
    ticket = desk.open_ticket(by=world.requester_a, organization=world.client_a, title="Serveur arrêté")
    client = login(world.tech_a)
    client.post(reverse("cmdb:ticket_link", args=[ticket.reference]), {"configuration_item": host.name})
    assert list(ticket.configuration_items.all()) == [host]
    page = client.get(reverse("servicedesk:ticket_detail", args=[ticket.reference])).content.decode()
    assert "ESX01" in page and "Impact of this incident" in page and "ERP" in page
    client.post(reverse("cmdb:ticket_unlink", args=[ticket.reference, host.pk]))
    assert not ticket.configuration_items.exists()


def test_visibility_other_clients_and_client_users(world: World, login) -> None:
    theirs = make(world, "SRV-B", organization=world.client_b)
    mine = make(world, "PC-Rose", CIClass.LAPTOP, users=[world.requester_a])
    assert login(world.tech_a).get(reverse("cmdb:item_detail", args=[theirs.pk])).status_code == 404
    assert login(world.manager_a).get(reverse("cmdb:item_detail", args=[mine.pk])).status_code == 404  # staff pages only
    assert set(ConfigurationItem.objects.visible_to(world.manager_a)) == {mine}
    assert set(ConfigurationItem.objects.visible_to(world.requester_a)) == {mine}
    assert not ConfigurationItem.objects.visible_to(world.requester_a2).exists()
    assert set(ConfigurationItem.objects.visible_to(world.tech_b)) == {theirs}


def test_groups_pages(world: World, login) -> None:
    client = login(world.admin)
    url = reverse("cmdb:group_list") + f"?organization={world.client_a.pk}"
    assert client.post(url, {"name": "Ferme", "minimum_up": 0}).status_code == 422
    assert client.post(url, {"name": "Ferme", "minimum_up": 2}).status_code == 302
    group = world.client_a.redundancy_groups.get()
    a, b = make(world, "APP", CIClass.APPLICATION), make(world, "WEB1")
    services.add_relation(by=world.admin, source=a, target=b, kind=RelationKind.RUNS_ON, redundancy_group=group)
    client.post(reverse("cmdb:group_delete", args=[group.pk]))
    assert world.client_a.redundancy_groups.exists()  # still used: refused
