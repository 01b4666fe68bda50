"""The "Supervision" section of a configuration item's page: inventory, software, changes,
checks and alerts, with few queries; the metrics graphs loaded as a fragment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.monitoring_ui_support import fire, make_check, set_state
from vigie.cmdb import services as cmdb_services
from vigie.monitoring.models import InstalledSoftware, InventorySnapshot, MachineInventory, MetricSample

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def machine(world):
    with time_machine.travel(NOW, tick=False):
        item = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="PC-COMPTA", ci_class="server")
        MachineInventory.objects.create(
            configuration_item=item,
            source="agent",
            collected_at=NOW - timedelta(hours=1),
            os_name="Debian GNU/Linux",
            os_version="12 (bookworm)",
            os_installed_on=date(2023, 6, 12),
            booted_at=NOW - timedelta(days=3),
            bios_date=date(2019, 2, 1),
            cpu="Intel Xeon E-2224",
            cpu_cores=4,
            memory_bytes=16 * 1024**3,
            pending_updates=7,
            security_updates=2,
            updates_applied_at=NOW - timedelta(days=40),
            antivirus_name="ClamAV",
            antivirus_enabled=True,
            antivirus_signatures_at=NOW - timedelta(days=1),
            disks_healthy=False,
        )
        InstalledSoftware.objects.bulk_create(
            InstalledSoftware(configuration_item=item, name=f"paquet-{number:03d}", version="1.0") for number in range(12)
        )
        InventorySnapshot.objects.create(
            configuration_item=item,
            at=NOW - timedelta(days=2),
            source="agent",
            changes={"os_version": {"before": "11 (bullseye)", "after": "12 (bookworm)"}, "memory_bytes": [8, 16]},
        )
        check = set_state(make_check(world, world.client_a, "icmp", "Ping PC-COMPTA", configuration_item=item), "down")
        fire(
            world.client_a, f"check:{check.pk}", "PC-COMPTA ne répond plus", NOW, check_id=check.pk, configuration_item_id=item.pk
        )
        for minute in range(0, 24 * 60, 5):
            MetricSample.objects.create(
                configuration_item=item, name="disk.used_percent./", at=NOW - timedelta(minutes=minute), value=70 + minute % 10
            )
        MetricSample.objects.create(configuration_item=item, name="load.1", at=NOW - timedelta(minutes=3), value=0.42)
    return item


def test_item_page_shows_the_machines_supervision(world, login, machine, django_assert_max_num_queries):
    client = login(world.tech_a)
    url = f"/desk/cmdb/{machine.pk}/"
    client.get(url)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(40):
        response = client.get(url)
    text = response.content.decode()
    assert 'id="supervision"' in text
    for fact in ("Debian GNU/Linux", "12 (bookworm)", "Intel Xeon E-2224", "ClamAV", "16 Gio" if "Gio" in text else "16 GiB"):
        assert fact in text, fact
    assert "paquet-011" in text and 'data-software-count="12"' in text
    assert "11 (bullseye)" in text  # the change history
    assert "Ping PC-COMPTA" in text and "PC-COMPTA ne répond plus" in text
    assert f'hx-get="/desk/monitoring/items/{machine.pk}/metrics/"' in text


def test_the_supervision_section_costs_five_queries(world, login, machine, django_assert_num_queries):
    from vigie.monitoring.views.items import supervision_for
    from vigie.tenancy.access import access_for

    access_for(world.tech_a)  # computed once per request, before the page's own queries
    with django_assert_num_queries(5):
        context = supervision_for(machine, world.tech_a)
    assert context["software_count"] == 12 and len(context["watching_checks"]) == 1 and len(context["item_alerts"]) == 1


def test_an_item_without_supervision_says_so(world, login):
    item = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="Imprimante", ci_class="server")
    text = login(world.tech_a).get(f"/desk/cmdb/{item.pk}/").content.decode()
    assert 'id="supervision"' in text and "mon-state--" not in text


def test_metrics_fragment_draws_one_graph_per_metric(world, login, machine):
    client = login(world.tech_a)
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/desk/monitoring/items/{machine.pk}/metrics/")
    assert response.status_code == 200
    graphs = {graph.name: graph for graph in response.context["metric_graphs"]}
    # Samples every 5 minutes over [now - 24 h, now): the one taken at "now" is the next span's.
    assert set(graphs) == {"disk.used_percent./", "load.1"}
    assert graphs["disk.used_percent./"].measures == 24 * 12 - 1 and graphs["load.1"].measures == 1
    text = response.content.decode()
    assert text.count('<svg class="chart chart--line"') == 2
    assert "<html" not in text
    with time_machine.travel(NOW, tick=False):
        week = client.get(f"/desk/monitoring/items/{machine.pk}/metrics/?span=7d")
    assert week.context["span"].key == "7d"
    assert login(world.tech_b).get(f"/desk/monitoring/items/{machine.pk}/metrics/").status_code == 404
    assert login(world.manager_a).get(f"/desk/monitoring/items/{machine.pk}/metrics/").status_code == 404
