"""The supervision pages: the overview and each client's health board (problems first, backups
never restored flagged, bounded queries, htmx refresh), the alert pages and the portal's health page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.monitoring_ui_support import add_pings, fire, make_check, set_state
from vigie.cmdb import services as cmdb_services
from vigie.monitoring.alerting.signals import Signal, record_signal
from vigie.monitoring.models import RestoreTest
from vigie.servicedesk import services as desk_services

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def board(world, frozen):
    """Client A: one check of each state, an untested and a tested backup, a firing alert with an incident."""
    a = world.client_a
    server = cmdb_services.create_item(by=world.admin, organization=a, name="SRV-COMPTA", ci_class="server")
    site = set_state(make_check(world, a, "http", "Site vitrine", configuration_item=server), "down", last_message="HTTP 503")
    backup = set_state(make_check(world, a, "heartbeat", "Sauvegarde NAS", is_backup=True), "late")
    tested = set_state(make_check(world, a, "heartbeat", "Sauvegarde SQL", is_backup=True), "up")
    RestoreTest.objects.create(backup=tested, performed_on=frozen.date(), result="success", evidence="Base restaurée")
    make_check(world, a, "tcp", "Port SMTP", target="mail.martin.test", port=25)
    paused = set_state(make_check(world, a, "tls", "Certificat intranet", target="intranet.martin.test"), "paused")
    set_state(make_check(world, a, "dns", "DNS martin.test", target="martin.test"), "up", last_latency_ms=7.4)
    incident = desk_services.open_ticket(by=world.admin, organization=a, title="Site vitrine inaccessible")
    alert = fire(a, f"check:{site.pk}", "Site vitrine ne répond plus", frozen - timedelta(minutes=20), check_id=site.pk)
    alert.ticket = incident
    alert.save()
    fire(a, "am:disk", "Disque plein sur SRV-COMPTA", frozen - timedelta(minutes=5), severity="warning")
    # Client B: a check and an alert no one of client A sees.
    b_check = set_state(make_check(world, world.client_b, "http", "Secret Lefèvre"), "down")
    fire(world.client_b, f"check:{b_check.pk}", "Alerte secrète Lefèvre", frozen)
    return {"site": site, "backup": backup, "tested": tested, "paused": paused, "alert": alert, "incident": incident}


def test_overview_lists_served_clients_problems_first(world, login, board):
    page = login(world.admin).get("/desk/monitoring/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("Boulangerie Martin") < text.index("Cabinet Lefèvre")
    assert f'href="/desk/monitoring/clients/{world.client_a.pk}/"' in text
    # The technician of client A sees client A only.
    text = login(world.tech_a).get("/desk/monitoring/").content.decode()
    assert "Boulangerie Martin" in text and "Cabinet Lefèvre" not in text


def test_overview_orders_by_problems_not_by_name(world, login, frozen):
    calm = make_check(world, world.client_a, "http", "Tout va bien")
    set_state(calm, "up")
    set_state(make_check(world, world.client_b, "heartbeat", "Sauvegarde"), "late")
    text = login(world.admin).get("/desk/monitoring/").content.decode()
    assert text.index("Cabinet Lefèvre") < text.index("Boulangerie Martin")


def test_health_board_groups_checks_problems_first(world, login, board):
    response = login(world.tech_a).get(f"/desk/monitoring/clients/{world.client_a.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    order = [
        text.index(name) for name in ("Site vitrine", "Sauvegarde NAS", "Port SMTP", "Certificat intranet", "DNS martin.test")
    ]
    assert order == sorted(order)
    assert "Secret Lefèvre" not in text and "Alerte secrète" not in text
    # The firing alerts, critical first, with their incident.
    assert text.index("Site vitrine ne répond plus") < text.index("Disque plein sur SRV-COMPTA")
    assert f"/desk/tickets/{board['incident'].reference}/" in text
    # The backup never restored is flagged; the tested one is not.
    row_nas = text[text.index("Sauvegarde NAS") : text.index("Sauvegarde NAS") + 400]
    row_sql = text[text.index("Sauvegarde SQL") : text.index("Sauvegarde SQL") + 300]
    assert "mon-untested" in row_nas and "mon-untested" not in row_sql
    assert 'data-untested="1"' in text  # the board's count of backups never restored
    assert "7,4 ms" in text  # the DNS check's latency
    assert "SRV-COMPTA" in text


def test_health_board_refreshes_as_a_fragment(world, login, board):
    client = login(world.tech_a)
    url = f"/desk/monitoring/clients/{world.client_a.pk}/"
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 30s"' in page
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.lstrip().startswith(f'<div id="health-board-{world.client_a.pk}"')
    assert "<html" not in body and "Site vitrine" in body


def test_health_board_queries_stay_bounded(world, login, django_assert_max_num_queries, frozen):
    a = world.client_a
    item = cmdb_services.create_item(by=world.admin, organization=a, name="SRV", ci_class="server")
    for number in range(50):
        kind = ("http", "heartbeat", "tcp", "tls", "dns")[number % 5]
        check = make_check(world, a, kind, f"Contrôle {number}", configuration_item=item, is_backup=kind == "heartbeat")
        set_state(check, ("up", "down", "late", "new", "paused")[number % 5])
        if number % 3 == 0:
            fire(a, f"check:{check.pk}", f"Alerte {number}", frozen, check_id=check.pk, configuration_item_id=item.pk)
    client = login(world.tech_a)
    url = f"/desk/monitoring/clients/{a.pk}/"
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count('href="/desk/monitoring/checks/') >= 50
    with django_assert_max_num_queries(12):
        assert client.get("/desk/monitoring/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/desk/monitoring/checks/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/desk/monitoring/alerts/").status_code == 200


def test_another_clients_board_is_404_and_client_users_have_no_staff_pages(world, login, board):
    assert login(world.tech_a).get(f"/desk/monitoring/clients/{world.client_b.pk}/").status_code == 404
    assert login(world.tech_a).get("/desk/monitoring/clients/999999/").status_code == 404
    for user in (world.manager_a, world.requester_a):
        assert login(user).get("/desk/monitoring/").status_code == 404
        assert login(user).get(f"/desk/monitoring/clients/{world.client_a.pk}/").status_code == 404


def test_alert_list_filters_and_puts_firing_first(world, login, board, frozen):
    resolved = fire(world.client_a, "am:old", "Ancienne alerte résolue", frozen - timedelta(hours=1))
    record_signal(Signal(world.client_a.pk, "am:old", False, frozen, source_kind="check"))
    client = login(world.tech_a)
    text = client.get("/desk/monitoring/alerts/").content.decode()
    assert text.index("Disque plein") < text.index("Ancienne alerte résolue")
    assert "Alerte secrète" not in text
    assert "Ancienne alerte" not in client.get("/desk/monitoring/alerts/?status=firing").content.decode()
    warning = client.get("/desk/monitoring/alerts/?severity=warning").content.decode()
    assert "Disque plein" in warning and "Site vitrine ne répond plus" not in warning
    assert "Disque plein" not in client.get(f"/desk/monitoring/alerts/?client={world.client_b.pk}").content.decode()
    assert resolved.pk


def test_alert_detail_shows_labels_events_incident_and_check(world, login, board, frozen):
    a = world.client_a
    alert = fire(a, "am:cpu", "CPU saturé", frozen - timedelta(minutes=3), labels={"instance": "srv-compta:9100", "job": "node"})
    fire(a, "am:cpu", "CPU saturé", frozen - timedelta(minutes=1))
    client = login(world.tech_a)
    text = client.get(f"/desk/monitoring/alerts/{alert.pk}/").content.decode()
    assert "srv-compta:9100" in text and "node" in text
    assert 'data-event="fired"' in text and 'data-event="repeated"' in text
    site_alert = client.get(f"/desk/monitoring/alerts/{board['alert'].pk}/").content.decode()
    assert board["incident"].reference in site_alert
    assert f"/desk/monitoring/checks/{board['site'].pk}/" in site_alert
    assert client.get(f"/desk/monitoring/alerts/{alert.pk}/", follow=False).status_code == 200
    assert login(world.tech_b).get(f"/desk/monitoring/alerts/{alert.pk}/").status_code == 404


def test_portal_health_page_shows_the_own_company_read_only(world, login, board, frozen):
    add_pings(board["backup"], frozen, 3, every=timedelta(days=1))
    for user in (world.manager_a, world.it_contact_a):
        response = login(user).get("/portal/health/")
        assert response.status_code == 200
        text = response.content.decode()
        assert "Site vitrine" in text and "Sauvegarde NAS" in text and "Site vitrine ne répond plus" in text
        assert "Secret Lefèvre" not in text and "Alerte secrète" not in text
        assert str(board["backup"].ping_key) not in text  # no ping address
        assert "/desk/" not in text.split("<main", 1)[1]  # no link into the staff interface
        assert 'href="/portal/health/"' in text  # in the portal menu
    assert login(world.requester_a).get("/portal/health/").status_code == 404
    assert login(world.tech_a).get("/portal/health/").status_code == 404
    requester_home = login(world.requester_a).get("/portal/").content.decode()
    assert 'href="/portal/health/"' not in requester_home


def test_main_menu_counts_firing_critical_alerts_on_supervision_pages(world, login, board):
    text = login(world.tech_a).get("/desk/monitoring/").content.decode()
    menu = text[text.index('class="mainnav"') : text.index("</nav>", text.index('class="mainnav"'))]
    assert 'class="mon-badge"' in menu
    badge = menu[menu.index('class="mon-badge"') :]
    assert ">1<" in badge[:80]
