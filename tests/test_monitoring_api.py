"""The checks and alerts API: staff serving the client write through the services, the client's
manager and IT contact read, everyone else gets a 404; results and pings are paginated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.monitoring_ui_support import add_pings, add_results, fire, make_check, set_state
from tests.test_api_support import api_as
from vigie.monitoring.alerting.signals import Signal, record_signal
from vigie.monitoring.models import Alert, Check

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_staff_create_a_heartbeat_and_read_its_ping_url(world, settings):
    settings.SITE_URL = "https://vigie.durand.test"
    client = api_as(world.tech_a)
    response = client.post(
        "/api/v1/checks/",
        {
            "organization": world.client_a.pk,
            "kind": "heartbeat",
            "name": "Sauvegarde Veeam",
            "schedule_kind": "cron",
            "cron_expression": "30 2 * * *",
            "grace_seconds": 1800,
            "is_backup": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    check = Check.objects.get(pk=body["id"])
    assert body["ping_url"] == f"https://vigie.durand.test/ping/{check.ping_key}"
    assert (check.cron_expression, check.grace_seconds, check.is_backup, check.status) == ("30 2 * * *", 1800, True, "new")
    # The client's manager reads it, without the ping address, and cannot change it.
    manager = api_as(world.manager_a)
    read = manager.get(f"/api/v1/checks/{check.pk}/")
    assert read.status_code == 200 and read.json()["ping_url"] is None and read.json()["name"] == "Sauvegarde Veeam"
    assert manager.patch(f"/api/v1/checks/{check.pk}/", {"name": "x"}, format="json").status_code == 403
    assert manager.post(f"/api/v1/checks/{check.pk}/pause/", {}, format="json").status_code == 403
    assert manager.delete(f"/api/v1/checks/{check.pk}/").status_code == 403
    assert (
        manager.post(
            "/api/v1/checks/", {"organization": world.client_a.pk, "kind": "http", "name": "x"}, format="json"
        ).status_code
        == 403
    )
    # A requester of the same company and the other client's people see nothing.
    for user in (world.requester_a, world.tech_b, world.manager_b):
        assert api_as(user).get(f"/api/v1/checks/{check.pk}/").status_code == 404
        assert api_as(user).get("/api/v1/checks/").json()["count"] == 0


def test_probe_crud_pause_resume_and_strict_fields(world, frozen):
    client = api_as(world.tech_a)
    created = client.post(
        "/api/v1/checks/",
        {
            "organization": world.client_a.pk,
            "kind": "http",
            "name": "Site vitrine",
            "target": "https://martin.test/",
            "options": {"keyword": "Bienvenue"},
            "interval_seconds": 60,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/checks/{created.json()['id']}/"
    assert created.json()["ping_url"] is None
    changed = client.patch(url, {"retries": 4, "options": {"keyword": "Accueil"}}, format="json")
    assert changed.status_code == 200 and changed.json()["retries"] == 4 and changed.json()["options"] == {"keyword": "Accueil"}
    for field, value in (("kind", "tcp"), ("organization", world.client_b.pk), ("status", "up"), ("titre", "x")):
        refused = client.patch(url, {field: value}, format="json")
        assert refused.status_code == 400 and field in refused.json()["error"]["fields"], field
    paused = client.post(f"{url}pause/", {}, format="json")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert client.post(f"{url}resume/", {}, format="json").json()["status"] == "new"
    assert client.delete(url).status_code == 204
    assert not Check.objects.exists()


def test_service_refusals_are_400_on_their_field(world, monkeypatch):
    def refuse(kind, fields):
        raise ValidationError({"target": "Adresse privée refusée par la politique du client"})

    monkeypatch.setattr("vigie.monitoring.checks.validate_probe", refuse)
    response = api_as(world.tech_a).post(
        "/api/v1/checks/",
        {"organization": world.client_a.pk, "kind": "tcp", "name": "Port", "target": "10.0.0.1", "port": 22},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["target"] == ["Adresse privée refusée par la politique du client"]
    other = api_as(world.tech_b).post(
        "/api/v1/checks/", {"organization": world.client_a.pk, "kind": "http", "name": "Intrus"}, format="json"
    )
    assert other.status_code == 400 and "organization" in other.json()["error"]["fields"]
    assert not Check.objects.exists()


def test_list_filters(world, frozen):
    set_state(make_check(world, world.client_a, "http", "Site vitrine"), "down")
    make_check(world, world.client_a, "heartbeat", "Sauvegarde NAS")
    make_check(world, world.client_b, "http", "Secret Lefèvre")
    admin = api_as(world.admin)
    assert admin.get("/api/v1/checks/").json()["count"] == 3
    names = lambda query: sorted(row["name"] for row in admin.get("/api/v1/checks/", query).json()["results"])  # noqa: E731
    assert names({"client": "martin"}) == ["Sauvegarde NAS", "Site vitrine"]
    assert names({"kind": "heartbeat"}) == ["Sauvegarde NAS"]
    assert names({"status": "down"}) == ["Site vitrine"]
    assert names({"search": "lefèvre"}) == ["Secret Lefèvre"]
    assert names({"organization": world.client_b.pk}) == ["Secret Lefèvre"]


def test_results_and_pings_are_paginated_sub_lists(world, frozen):
    probe = make_check(world, world.client_a, "http", "Site vitrine")
    add_results(probe, frozen, 60, every=timedelta(minutes=1), failing=2)
    heartbeat = make_check(world, world.client_a, "heartbeat", "Sauvegarde NAS")
    add_pings(heartbeat, frozen, 3, every=timedelta(days=1), body="ok: 12 Go")
    client = api_as(world.manager_a)
    results = client.get(f"/api/v1/checks/{probe.pk}/results/")
    assert results.status_code == 200
    body = results.json()
    assert body["count"] == 60 and len(body["results"]) == 50 and body["next"]
    assert body["results"][0]["ok"] is False and body["results"][0]["message"] == "HTTP 503"
    assert client.get(f"/api/v1/checks/{probe.pk}/results/", {"page": 2}).json()["results"][-1]["ok"] is True
    pings = client.get(f"/api/v1/checks/{heartbeat.pk}/pings/").json()
    assert pings["count"] == 3 and pings["results"][0]["body"] == "ok: 12 Go" and pings["results"][0]["kind"] == "success"
    for user in (world.tech_b, world.requester_a):
        assert api_as(user).get(f"/api/v1/checks/{probe.pk}/results/").status_code == 404
        assert api_as(user).get(f"/api/v1/checks/{heartbeat.pk}/pings/").status_code == 404


def test_alerts_are_read_only_filtered_and_firing_first(world, frozen):
    check = make_check(world, world.client_a, "http", "Site vitrine")
    critical = fire(
        world.client_a, f"check:{check.pk}", "Site vitrine ne répond plus", frozen - timedelta(hours=2), check_id=check.pk
    )
    fire(world.client_a, f"check:{check.pk}", "Site vitrine ne répond plus", frozen - timedelta(hours=1), check_id=check.pk)
    fire(world.client_a, "am:disk", "Disque plein", frozen - timedelta(minutes=5), severity="warning", source_kind="alertmanager")
    fire(world.client_a, "am:old", "Ancienne", frozen - timedelta(minutes=1))
    record_signal(Signal(world.client_a.pk, "am:old", False, frozen, source_kind="alertmanager"))
    fire(world.client_b, "am:x", "Secret Lefèvre", frozen)
    client = api_as(world.manager_a)
    listed = client.get("/api/v1/alerts/").json()
    assert [row["summary"] for row in listed["results"]] == ["Disque plein", "Site vitrine ne répond plus", "Ancienne"]
    summaries = lambda query: [row["summary"] for row in client.get("/api/v1/alerts/", query).json()["results"]]  # noqa: E731
    assert summaries({"status": "resolved"}) == ["Ancienne"]
    assert summaries({"severity": "warning"}) == ["Disque plein"]
    assert summaries({"client": "martin", "status": "firing", "severity": "critical"}) == ["Site vitrine ne répond plus"]
    assert summaries({"source": "alertmanager", "status": "firing"}) == ["Disque plein"]
    assert summaries({"client": "lefevre"}) == []
    detail = client.get(f"/api/v1/alerts/{critical.pk}/").json()
    assert detail["occurrences"] == 2 and detail["source_check"] == check.pk
    assert [event["kind"] for event in detail["events"]] == ["repeated", "fired"]
    assert client.post("/api/v1/alerts/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/alerts/{critical.pk}/").status_code == 405
    for user in (world.tech_b, world.requester_a, world.manager_b):
        assert api_as(user).get(f"/api/v1/alerts/{critical.pk}/").status_code == 404
    assert Alert.objects.count() == 4
