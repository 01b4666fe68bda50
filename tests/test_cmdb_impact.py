"""Impact analysis: chains, redundancy (N of M), cycles, services, users; both ways agree."""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from tests.conftest import World
from vigie.catalog.models import BusinessService, Criticality
from vigie.cmdb import services
from vigie.cmdb.impact import MEMORY, SQL, analyse, propagate
from vigie.cmdb.models import CIClass, ConfigurationItem, RedundancyGroup, Relation, RelationKind, ServiceComponent


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """These tests read the English wording (the French one is checked by the catalog tests)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


METHODS = [MEMORY, SQL]


def ci(world: World, name: str, ci_class: str = CIClass.SERVER, organization: object = None) -> ConfigurationItem:
    return ConfigurationItem.objects.create(organization=organization or world.client_a, name=name, ci_class=ci_class)


def rel(
    source: ConfigurationItem,
    target: ConfigurationItem,
    kind: str = RelationKind.DEPENDS_ON,
    group: RedundancyGroup | None = None,
) -> Relation:
    return Relation.objects.create(
        organization_id=source.organization_id, source=source, target=target, kind=kind, redundancy_group=group
    )


@pytest.mark.parametrize("method", METHODS)
def test_a_chain_propagates_with_its_explanation(world: World, method: str) -> None:
    erp, database, vm, host = (ci(world, n) for n in ("ERP", "SQL01", "VM-SQL", "ESX01"))
    rel(erp, database, RelationKind.DEPENDS_ON)
    rel(database, vm, RelationKind.RUNS_ON)
    rel(vm, host, RelationKind.HOSTED_ON)
    unrelated = ci(world, "Imprimante", CIClass.PRINTER)
    rel(unrelated, host, RelationKind.CONNECTED_TO)
    impact = analyse(host, method=method)
    assert [entry.item.name for entry in impact.items] == ["VM-SQL", "SQL01", "ERP"]
    erp_entry = impact.items[-1]
    assert [item.name for item in erp_entry.path] == ["ESX01", "VM-SQL", "SQL01", "ERP"]
    assert erp_entry.kinds == (RelationKind.HOSTED_ON, RelationKind.RUNS_ON, RelationKind.DEPENDS_ON)
    assert erp_entry.depth == 3
    # Upstream of the origin nothing is impacted: ERP down does not take the host down.
    assert analyse(erp, method=method).items == []


@pytest.mark.parametrize("method", METHODS)
def test_backs_up_and_connected_to_do_not_propagate(world: World, method: str) -> None:
    nas, backup, switch, server = (ci(world, n) for n in ("NAS", "Sauvegarde", "Switch", "SRV"))
    rel(backup, nas, RelationKind.BACKS_UP)
    rel(server, switch, RelationKind.CONNECTED_TO)
    assert analyse([nas, switch], method=method).items == []


@pytest.mark.parametrize("method", METHODS)
def test_redundancy_n_of_m(world: World, method: str) -> None:
    farm = RedundancyGroup.objects.create(organization=world.client_a, name="Ferme web", minimum_up=2)
    site = ci(world, "Site web", CIClass.APPLICATION)
    web = [ci(world, f"WEB0{i}") for i in (1, 2, 3)]
    for server in web:
        rel(site, server, RelationKind.RUNS_ON, farm)
    one_down = analyse(web[0], method=method)
    assert one_down.items == []
    assert [(d.item.name if d.item else None, d.up, d.needed, d.total) for d in one_down.degraded] == [("Site web", 2, 2, 3)]
    two_down = analyse(web[:2], method=method)
    assert [entry.item.name for entry in two_down.items] == ["Site web"]
    assert two_down.degraded == []


@pytest.mark.parametrize("method", METHODS)
def test_cycles_terminate(world: World, method: str) -> None:
    a, b, c, d = (ci(world, n) for n in "ABCD")
    rel(a, b)
    rel(b, c)
    rel(c, a)
    rel(d, c)
    impact = analyse(a, method=method)
    assert sorted(entry.item.name for entry in impact.items) == ["B", "C", "D"]
    assert all(entry.item.pk != a.pk for entry in impact.items)


@pytest.mark.parametrize("method", METHODS)
def test_services_and_users(world: World, method: str) -> None:
    erp, host, laptop = ci(world, "ERP", CIClass.APPLICATION), ci(world, "ESX01"), ci(world, "PC-Rose", CIClass.LAPTOP)
    rel(erp, host, RelationKind.RUNS_ON)
    erp.users.add(world.requester_a, world.manager_a)
    laptop.users.add(world.requester_a2)
    sales = BusinessService.objects.create(
        organization=world.client_a, name="Ventes", criticality=Criticality.VITAL, hourly_downtime_cost=Decimal("800")
    )
    mail = BusinessService.objects.create(organization=world.client_a, name="Messagerie", criticality=Criticality.LOW)
    ServiceComponent.objects.create(organization=world.client_a, service=sales, configuration_item=erp)
    ServiceComponent.objects.create(organization=world.client_a, service=mail, configuration_item=laptop)
    impact = analyse(host, method=method)
    assert [s.service.name for s in impact.services] == ["Ventes"]
    assert impact.services[0].criticality == Criticality.VITAL
    assert impact.hourly_downtime_cost == Decimal("800")
    assert [s.name for s in impact.services[0].because_of] == ["ERP"]
    assert {user.pk for user in impact.users} == {world.requester_a.pk, world.manager_a.pk}


@pytest.mark.parametrize("method", METHODS)
def test_service_redundancy(world: World, method: str) -> None:
    links = RedundancyGroup.objects.create(organization=world.client_a, name="Liens internet", minimum_up=1)
    fibre, adsl = ci(world, "Fibre", CIClass.INTERNET_LINK), ci(world, "4G", CIClass.INTERNET_LINK)
    web = BusinessService.objects.create(organization=world.client_a, name="Accès internet")
    for link in (fibre, adsl):
        ServiceComponent.objects.create(organization=world.client_a, service=web, configuration_item=link, redundancy_group=links)
    one = analyse(fibre, method=method)
    assert one.services == []
    assert [(d.service.name if d.service else None, d.up, d.needed) for d in one.degraded] == [("Accès internet", 1, 1)]
    both = analyse([fibre, adsl], method=method)
    assert [s.service.name for s in both.services] == ["Accès internet"]


def test_unknown_method_and_empty_input(world: World) -> None:
    assert analyse([]).is_empty
    with pytest.raises(ValueError):
        analyse(ci(world, "X"), method="guess")


def test_propagate_is_pure_and_monotone() -> None:
    incoming = {2: [(1, RelationKind.DEPENDS_ON, None)], 1: [(2, RelationKind.DEPENDS_ON, None)]}
    result = propagate([1], incoming, {}, {})
    assert set(result.down) == {1, 2}


def test_both_ways_agree_on_random_graphs(world: World) -> None:
    generator = random.Random(4)
    kinds = list(RelationKind.values)
    for round_number in range(6):
        items = [ci(world, f"R{round_number}-{i}") for i in range(30)]
        groups = [
            RedundancyGroup.objects.create(
                organization=world.client_a, name=f"G{round_number}-{g}", minimum_up=generator.randint(1, 2)
            )
            for g in range(3)
        ]
        pairs: set[tuple[int, int, str]] = set()
        for _ in range(70):
            source, target = generator.sample(items, 2)
            kind = generator.choice(kinds)
            if (source.pk, target.pk, kind) in pairs:
                continue
            pairs.add((source.pk, target.pk, kind))
            group = generator.choice(groups) if generator.random() < 0.3 else None
            rel(source, target, kind, group)
        for _ in range(5):
            down = generator.sample(items, generator.randint(1, 3))
            by_memory, by_sql = analyse(down, method=MEMORY), analyse(down, method=SQL)
            assert by_memory.item_ids == by_sql.item_ids
            assert [e.depth for e in by_memory.items] == [e.depth for e in by_sql.items]
            assert {(d.item.pk if d.item else None, d.group_id, d.up) for d in by_memory.degraded} == {
                (d.item.pk if d.item else None, d.group_id, d.up) for d in by_sql.degraded
            }
        Relation.objects.all().delete()


def test_other_clients_are_never_reached(world: World) -> None:
    mine, theirs = ci(world, "A"), ci(world, "B", organization=world.client_b)
    with pytest.raises(Exception, match="same client"):
        services.add_relation(by=world.admin, source=theirs, target=mine, kind=RelationKind.DEPENDS_ON)
    assert not Relation.objects.exists()
