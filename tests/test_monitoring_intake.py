"""Alert intake: per-client tokens, Alertmanager webhook payloads (version 4), replays, links to
CIs and services, refusals (400/401/413) logged and never half-applied."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.intake_support import am_alert, am_payload, make_source, post
from vigie.catalog import services as catalog_services
from vigie.cmdb import services as cmdb_services
from vigie.monitoring.models import Alert, AlertEvent, AlertStatus, IntakeLog, IntakeSource
from vigie.monitoring.tokens import rotate_token

pytestmark = pytest.mark.django_db
URL = "/intake/alertmanager/"


@pytest.fixture
def am(world):
    return make_source(world, "alertmanager")


def snapshot() -> list[tuple]:
    alerts = Alert.objects.order_by("pk").values_list(
        "dedup_key", "status", "occurrences", "severity", "summary", "last_seen_at", "fired_at", "resolved_at"
    )
    return [*alerts, AlertEvent.objects.count()]


def test_firing_then_resolved_upserts_one_alert_per_fingerprint(client, world, am):
    source, token = am
    response = post(client, URL, am_payload(am_alert("aaa1"), am_alert("bbb2", labels={"severity": "warn"})), token)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "received": 2, "applied": 2, "unchanged": 0}
    first = Alert.objects.get(dedup_key="am:aaa1")
    assert first.organization == world.client_a and first.status == AlertStatus.FIRING
    assert first.source_kind == "alertmanager" and first.intake_source == source
    assert first.severity == "critical" and first.summary == "Disque plein aaa1"
    assert first.labels["instance"] == "srv-files:9100" and first.labels["alertname"] == "DiskFull"
    assert first.fired_at == datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert "generatorURL: http://prometheus:9090" in first.description
    assert Alert.objects.get(dedup_key="am:bbb2").severity == "warning"
    resolved = am_alert("aaa1", "resolved", ends="2025-03-01T10:30:00Z")
    response = post(client, URL, am_payload(resolved, am_alert("bbb2", labels={"severity": "warn"})), token)
    assert response.json()["applied"] == 1 and response.json()["unchanged"] == 1
    first.refresh_from_db()
    assert first.status == AlertStatus.RESOLVED and first.resolved_at == datetime(2025, 3, 1, 10, 30, tzinfo=UTC)
    assert Alert.objects.get(dedup_key="am:bbb2").status == AlertStatus.FIRING
    source.refresh_from_db()
    assert source.received_count == 2 and source.last_received_at is not None


def test_replays_and_renotifications_change_nothing(client, world, am):
    _source, token = am
    payload = am_payload(am_alert("aaa1"), am_alert("ccc3"))
    post(client, URL, payload, token)
    before = snapshot()
    for _ in range(3):
        response = post(client, URL, payload, token)
        assert response.json()["unchanged"] == 2
    assert snapshot() == before
    assert Alert.objects.get(dedup_key="am:aaa1").occurrences == 1
    # Resolved, then a late copy of the old firing delivery arrives: still resolved.
    post(client, URL, am_payload(am_alert("aaa1", "resolved", ends="2025-03-01T11:00:00Z")), token)
    resolved = snapshot()
    post(client, URL, payload, token)
    post(client, URL, am_payload(am_alert("aaa1", "resolved", ends="2025-03-01T11:00:00Z")), token)
    assert snapshot()[:-1] == resolved[:-1] and snapshot()[-1] == resolved[-1]
    assert Alert.objects.get(dedup_key="am:aaa1").status == AlertStatus.RESOLVED
    # It fires again (a new startsAt): a new occurrence of the same alert.
    post(client, URL, am_payload(am_alert("aaa1", starts="2025-03-01T12:00:00Z")), token)
    again = Alert.objects.get(dedup_key="am:aaa1")
    assert again.status == AlertStatus.FIRING and again.occurrences == 2 and again.resolved_at is None
    assert list(again.events.order_by("at", "pk").values_list("kind", flat=True)) == ["fired", "resolved", "fired"]


def test_token_in_path_and_kind_and_client_isolation(client, world, am):
    _source, token = am
    assert post(client, f"/intake/alertmanager/{token}/", am_payload(am_alert("p1")), None).status_code == 200
    assert Alert.objects.filter(dedup_key="am:p1", organization=world.client_a).exists()
    _zabbix, zabbix_token = make_source(world, "zabbix")
    _generic, generic_token = make_source(world, "generic")
    for bad in (None, "", "vgi_nope", zabbix_token, generic_token):
        response = post(client, URL, am_payload(am_alert("x9")), bad)
        assert response.status_code == 401, bad
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert post(client, f"/intake/alertmanager/{zabbix_token}/", am_payload(am_alert("x9"))).status_code == 401
    assert post(client, f"/intake/zabbix/{token}/", {"event_id": "1", "event_value": "1"}).status_code == 401
    assert not Alert.objects.filter(dedup_key="am:x9").exists()
    # Client B's source writes into client B only, even for the same fingerprint.
    _b, token_b = make_source(world, "alertmanager", organization=world.client_b)
    post(client, URL, am_payload(am_alert("p1", annotations={"summary": "Chez B"})), token_b)
    assert Alert.objects.get(dedup_key="am:p1", organization=world.client_a).summary != "Chez B"
    assert Alert.objects.get(dedup_key="am:p1", organization=world.client_b).summary == "Chez B"
    assert IntakeLog.objects.filter(status_code=401, source=None).count() == 7
    assert IntakeLog.objects.filter(status_code=401).exclude(excerpt="").count() == 0


def test_deactivated_and_rotated_tokens_are_refused(client, world, am):
    source, token = am
    new_token = rotate_token(source, by=world.admin)
    assert post(client, URL, am_payload(am_alert("r1")), token).status_code == 401
    assert post(client, URL, am_payload(am_alert("r1")), new_token).status_code == 200
    IntakeSource.objects.filter(pk=source.pk).update(is_active=False)
    assert post(client, URL, am_payload(am_alert("r2")), new_token).status_code == 401


def test_alerts_link_to_the_clients_ci_and_service(client, world, am):
    _source, token = am
    server = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="SRV-FILES", ci_class="server")
    other = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="db1", ci_class="server")
    cmdb_services.create_item(by=world.admin, organization=world.client_b, name="web1", ci_class="server")
    service = catalog_services.create_service(by=world.admin, organization=world.client_a, name="Caisse")
    alerts = [
        am_alert("l1"),  # instance srv-files:9100 → SRV-FILES
        am_alert("l2", labels={"instance": "10.0.0.1:9100", "vigie_ci": "db1", "vigie_service": "caisse"}),
        am_alert("l3", labels={"instance": "web1.example.org:9100"}),  # client B's CI: not linked
        am_alert("l4", labels={"instance": "db1.lan:9100", "vigie_service": str(service.pk)}),
    ]
    post(client, URL, am_payload(*alerts), token)
    linked = {a.dedup_key: (a.configuration_item_id, a.service_id) for a in Alert.objects.all()}
    assert linked == {
        "am:l1": (server.pk, None),
        "am:l2": (other.pk, service.pk),
        "am:l3": (None, None),
        "am:l4": (other.pk, service.pk),
    }


def test_summary_and_severity_fallbacks(client, world, am):
    _source, token = am
    alerts = [
        am_alert("s1", annotations={"description": "Plus de place sur /srv"}, labels={"severity": "page"}),
        am_alert("s2", annotations={}, labels={"severity": "none"}),
        am_alert("s3", annotations={}, labels={"severity": "bizarre"}),
    ]
    alerts[2]["labels"].pop("instance")
    post(client, URL, am_payload(*alerts), token)
    got = {a.dedup_key: (a.summary, a.severity) for a in Alert.objects.all()}
    assert got == {
        "am:s1": ("Plus de place sur /srv", "critical"),
        "am:s2": ("DiskFull — srv-files:9100", "info"),
        "am:s3": ("DiskFull", "warning"),
    }


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "JSON"),
        (b"[]", "JSON"),
        (json.dumps({"version": "3", "alerts": []}).encode(), "version"),
        (json.dumps({"version": "4"}).encode(), "alerts"),
        (json.dumps(am_payload(am_alert("ok"), {**am_alert("bad"), "status": "pending"})).encode(), "alerts[1].status"),
        (json.dumps(am_payload(am_alert("ok"), am_alert("bad", starts="hier"))).encode(), "alerts[1].startsAt"),
        (json.dumps(am_payload(am_alert("ok"), {**am_alert("bad"), "labels": ["x"]})).encode(), "alerts[1].labels"),
    ],
)
def test_malformed_deliveries_are_400_logged_and_not_half_applied(client, world, am, body, reason):
    source, token = am
    response = post(client, URL, body, token)
    assert response.status_code == 400
    assert reason in response.json()["error"]["message"]
    assert Alert.objects.count() == 0  # the valid first alert was not applied either
    entry = IntakeLog.objects.get()
    assert entry.source == source and entry.status_code == 400 and entry.outcome == "rejected"
    assert reason in entry.reason and entry.excerpt == body[:500].decode() and entry.size == len(body)
    assert entry.remote_address == "127.0.0.1"
    source.refresh_from_db()
    assert source.received_count == 0


def test_size_limit_is_413(client, world, am, settings):
    _source, token = am
    settings.VIGIE_MAX_ALERT_INTAKE_BYTES = 2000
    big = am_payload(*[am_alert(f"big{i}") for i in range(20)])
    response = post(client, URL, big, token)
    assert response.status_code == 413 and "2000" in response.json()["error"]["message"]
    assert Alert.objects.count() == 0
    assert IntakeLog.objects.get().status_code == 413
    assert post(client, URL, am_payload(am_alert("small")), token).status_code == 200


def test_only_post(client, world, am):
    _source, token = am
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_a_delivery_is_a_bounded_number_of_queries(client, world, am):
    _source, token = am
    cmdb_services.create_item(by=world.admin, organization=world.client_a, name="srv-files", ci_class="server")
    post(client, URL, am_payload(am_alert("warm")), token)
    alerts = [am_alert(f"q{i}") for i in range(50)]
    with CaptureQueriesContext(connection) as first:
        assert post(client, URL, am_payload(*alerts), token).json()["applied"] == 50
    with CaptureQueriesContext(connection) as replay:
        assert post(client, URL, am_payload(*alerts), token).json()["unchanged"] == 50
    # A new alert costs one insert; the rest is per delivery.
    assert len(first) <= 50 + 12, [q["sql"][:80] for q in first.captured_queries]
    assert len(replay) <= 6, [q["sql"][:80] for q in replay.captured_queries]
