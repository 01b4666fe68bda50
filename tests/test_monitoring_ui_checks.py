"""Check pages: list filters, the editor (client and kind first, the kind's fields, the services'
errors on their fields), pause/resume/delete, and the detail with history, graph and uptime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.monitoring_ui_support import add_pings, add_results, fire, make_check, set_state
from vigie.monitoring.models import Alert, Check, Ping

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_check_list_filters_by_client_kind_state_and_words(world, login, frozen):
    set_state(make_check(world, world.client_a, "http", "Site vitrine", target="https://martin.test/"), "down")
    make_check(world, world.client_a, "heartbeat", "Sauvegarde NAS")
    make_check(world, world.client_b, "http", "Secret Lefèvre")
    client = login(world.tech_a)
    text = client.get("/desk/monitoring/checks/").content.decode()
    assert "Site vitrine" in text and "Sauvegarde NAS" in text and "Secret Lefèvre" not in text
    assert text.index("Site vitrine") < text.index("Sauvegarde NAS")  # down first
    assert "Site vitrine" not in client.get("/desk/monitoring/checks/?kind=heartbeat").content.decode()
    assert "Sauvegarde NAS" not in client.get("/desk/monitoring/checks/?state=down").content.decode()
    assert "Sauvegarde NAS" not in client.get("/desk/monitoring/checks/?q=martin.test").content.decode()
    everything = login(world.admin).get(f"/desk/monitoring/checks/?client={world.client_b.pk}").content.decode()
    assert "Secret Lefèvre" in everything and "Site vitrine" not in everything


def test_creating_a_heartbeat_shows_its_ping_address_and_examples(world, login, settings):
    settings.SITE_URL = "https://vigie.durand.test"
    client = login(world.tech_a)
    chooser = client.get("/desk/monitoring/checks/new/").content.decode()
    assert "Boulangerie Martin" in chooser and "Cabinet Lefèvre" not in chooser
    url = f"/desk/monitoring/checks/new/?organization={world.client_a.pk}&kind=heartbeat"
    form = client.get(url).content.decode()
    assert 'name="cron_expression"' in form and 'name="target"' not in form
    response = client.post(
        url,
        {
            "name": "Sauvegarde Veeam",
            "severity": "critical",
            "schedule_kind": "cron",
            "cron_expression": "30 2 * * *",
            "schedule_timezone": "Europe/Paris",
            "period_seconds": "86400",
            "grace_seconds": "3600",
            "is_backup": "on",
        },
    )
    check = Check.objects.get(name="Sauvegarde Veeam")
    assert response.status_code == 302 and response["Location"] == f"/desk/monitoring/checks/{check.pk}/?created=1"
    assert check.organization == world.client_a and check.is_backup and check.cron_expression == "30 2 * * *"
    page = client.get(response["Location"]).content.decode()
    ping_url = f"https://vigie.durand.test/ping/{check.ping_key}"
    assert ping_url in page
    assert f"curl -fsS -m 10 --retry 5 -o /dev/null {ping_url}" in page
    assert f"{ping_url}/$LASTEXITCODE" in page  # PowerShell
    assert "30 2 * * * curl" in page  # cron
    assert "<details open>" in page  # shown at once after creation


def test_creating_an_http_probe_stores_its_options(world, login):
    client = login(world.tech_a)
    url = f"/desk/monitoring/checks/new/?organization={world.client_a.pk}&kind=http"
    assert 'name="opt_keyword"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "name": "Site vitrine",
            "severity": "warning",
            "target": "https://martin.test/",
            "interval_seconds": "60",
            "timeout_seconds": "5",
            "retries": "1",
            "opt_expected_status": "200",
            "opt_keyword": "Bienvenue",
            "opt_follow_redirects": "on",
            "options": '{"max_redirects": 3}',
        },
    )
    assert response.status_code == 302
    check = Check.objects.get(name="Site vitrine")
    assert check.options == {"expected_status": [200], "keyword": "Bienvenue", "follow_redirects": True, "max_redirects": 3}
    assert (check.interval_seconds, check.retries, check.severity) == (60, 1, "warning")
    edit = client.get(f"/desk/monitoring/checks/{check.pk}/edit/").content.decode()
    assert 'value="Bienvenue"' in edit and "max_redirects" in edit


def test_the_services_refusals_show_on_their_fields(world, login, monkeypatch):
    def refuse_cron(fields):
        if fields.get("schedule_kind") == "cron":
            raise ValidationError({"cron_expression": "Expression cron invalide : 61 * * * *"})
        return fields

    def refuse_keyword(kind, fields):
        raise ValidationError({"options.keyword": "Mot-clé trop long", "target": "Adresse refusée par la politique"})

    monkeypatch.setattr("vigie.monitoring.checks.validate_schedule", refuse_cron)
    monkeypatch.setattr("vigie.monitoring.checks.validate_probe", refuse_keyword)
    client = login(world.tech_a)
    response = client.post(
        f"/desk/monitoring/checks/new/?organization={world.client_a.pk}&kind=heartbeat",
        {
            "name": "Tâche",
            "severity": "critical",
            "schedule_kind": "cron",
            "cron_expression": "61 * * * *",
            "grace_seconds": "60",
        },
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors["cron_expression"] == ["Expression cron invalide : 61 * * * *"]
    response = client.post(
        f"/desk/monitoring/checks/new/?organization={world.client_a.pk}&kind=http",
        {
            "name": "Site",
            "severity": "critical",
            "target": "http://10.0.0.1/",
            "interval_seconds": "60",
            "timeout_seconds": "5",
            "retries": "0",
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["opt_keyword"] == ["Mot-clé trop long"]
    assert response.context["form"].errors["target"] == ["Adresse refusée par la politique"]
    assert not Check.objects.exists()
    bad_json = client.post(
        f"/desk/monitoring/checks/new/?organization={world.client_a.pk}&kind=tcp",
        {
            "name": "Port",
            "severity": "critical",
            "target": "x",
            "interval_seconds": "60",
            "timeout_seconds": "5",
            "retries": "0",
            "options": "[1",
        },
    )
    assert bad_json.status_code == 422 and "options" in bad_json.context["form"].errors


def test_editing_pausing_resuming_and_deleting(world, login, frozen):
    check = make_check(world, world.client_a, "tcp", "Port SMTP", target="mail.martin.test", port=25)
    fire(world.client_a, f"check:{check.pk}", "SMTP injoignable", frozen, check_id=check.pk)
    client = login(world.tech_a)
    base = f"/desk/monitoring/checks/{check.pk}"
    response = client.post(
        f"{base}/edit/",
        {
            "name": "Port SMTPS",
            "severity": "critical",
            "target": "mail.martin.test",
            "port": "465",
            "interval_seconds": "120",
            "timeout_seconds": "5",
            "retries": "2",
        },
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert (check.name, check.port, check.interval_seconds) == ("Port SMTPS", 465, 120)
    assert client.get(f"{base}/pause/").status_code == 405
    assert client.post(f"{base}/pause/").status_code == 302
    check.refresh_from_db()
    assert check.status == "paused"
    assert Alert.objects.get(source_check=check).status == "resolved"  # pausing resolves its alert
    assert f'action="/desk/monitoring/checks/{check.pk}/resume/"' in client.get(f"{base}/").content.decode()
    assert client.post(f"{base}/resume/").status_code == 302
    check.refresh_from_db()
    assert check.status == "new"
    assert client.get(f"{base}/delete/").status_code == 200
    response = client.post(f"{base}/delete/")
    assert response.status_code == 302 and response["Location"] == f"/desk/monitoring/clients/{world.client_a.pk}/"
    assert not Check.objects.filter(pk=check.pk).exists()


def test_client_users_and_other_technicians_cannot_touch_a_check(world, login, frozen):
    check = make_check(world, world.client_a, "http", "Site vitrine")
    for path in ("", "edit/", "pause/", "resume/", "delete/"):
        assert login(world.tech_b).post(f"/desk/monitoring/checks/{check.pk}/{path}").status_code == 404
        assert login(world.manager_a).post(f"/desk/monitoring/checks/{check.pk}/{path}").status_code == 404
    assert login(world.tech_b).get(f"/desk/monitoring/checks/new/?organization={world.client_a.pk}&kind=http").status_code == 404
    check.refresh_from_db()
    assert check.status == "new" and check.name == "Site vitrine"


def test_probe_detail_draws_latency_and_uptime_per_span(world, login, frozen):
    check = set_state(make_check(world, world.client_a, "http", "Site vitrine"), "up", last_latency_ms=120.0)
    # One result every 30 minutes for 40 days: the last 2 hours failed.
    add_results(check, frozen, 40 * 48, every=timedelta(minutes=30), latency=200.0, failing=4)
    fire(world.client_a, f"check:{check.pk}", "Site vitrine ne répond plus", frozen, check_id=check.pk)
    client = login(world.tech_a)
    page = client.get(f"/desk/monitoring/checks/{check.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert '<svg class="chart chart--line"' in text and "<polyline" in text
    uptimes = {uptime.span.key: uptime for uptime in page.context["uptimes"]}
    assert (uptimes["24h"].total, uptimes["24h"].succeeded) == (48, 44)
    assert (uptimes["7d"].total, uptimes["30d"].total) == (7 * 48, 30 * 48)
    assert "91,67" in text  # 44 of 48 in 24 hours
    assert page.context["measures"] == 48
    week = client.get(f"/desk/monitoring/checks/{check.pk}/?span=7d")
    assert week.context["measures"] == 7 * 48 and week.context["span"].key == "7d"
    assert "Site vitrine ne répond plus" in text
    # History: 25 per page, newest first, and the next page.
    assert len(page.context["history"].object_list) == 25
    assert "HTTP 503" in text
    second = client.get(f"/desk/monitoring/checks/{check.pk}/?page=2")
    assert second.context["history"].number == 2


def test_heartbeat_detail_lists_pings_and_opens_their_bodies(world, login, frozen):
    check = set_state(make_check(world, world.client_a, "heartbeat", "Sauvegarde NAS", is_backup=True), "up")
    add_pings(check, frozen, 30, every=timedelta(hours=12), body="rsync: 1204 fichiers transférés", failing=1)
    client = login(world.tech_a)
    page = client.get(f"/desk/monitoring/checks/{check.pk}/")
    text = page.content.decode()
    uptimes = {uptime.span.key: uptime for uptime in page.context["uptimes"]}
    assert (uptimes["24h"].total, uptimes["24h"].succeeded) == (2, 1)
    assert "rsync" not in text  # bodies are opened one by one
    newest = Ping.objects.filter(heartbeat=check).order_by("-at").first()
    assert f"/desk/monitoring/checks/{check.pk}/pings/{newest.pk}/" in text
    body = client.get(f"/desk/monitoring/checks/{check.pk}/pings/{newest.pk}/").content.decode()
    assert "rsync: 1204 fichiers transférés" in body
    other = make_check(world, world.client_a, "heartbeat", "Autre")
    assert client.get(f"/desk/monitoring/checks/{other.pk}/pings/{newest.pk}/").status_code == 404
    assert login(world.tech_b).get(f"/desk/monitoring/checks/{check.pk}/pings/{newest.pk}/").status_code == 404
