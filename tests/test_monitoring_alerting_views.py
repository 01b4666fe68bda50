"""Alerting pages and API as the staff serving the client: list, create, edit, delete, test,
policy, acknowledge; the Apprise URL never comes back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_api_support import api_as
from vigie.monitoring.models import Alert, AlertPolicy, MaintenanceWindow, NotificationChannel
from vigie.monitoring.notify import channels

pytestmark = pytest.mark.django_db


def test_maintenance_pages(world, login):
    client = login(world.tech_a)
    assert client.get(reverse("monitoring:maintenance_list")).status_code == 200
    assert client.get(reverse("monitoring:maintenance_create")).status_code == 200
    response = client.post(
        reverse("monitoring:maintenance_create"),
        {
            "organization": world.client_a.pk,
            "name": "Mises à jour",
            "starts_at": "2026-03-10T22:00",
            "ends_at": "2026-03-11T02:00",
            "recurrence": "weekly",
        },
    )
    assert response.status_code == 302
    window = MaintenanceWindow.objects.get()
    assert window.organization == world.client_a and window.created_by == world.tech_a
    assert b"Mises" in client.get(reverse("monitoring:maintenance_list")).content
    bad = client.post(
        reverse("monitoring:maintenance_edit", args=[window.pk]),
        {"name": "x", "starts_at": "2026-03-10T22:00", "ends_at": "2026-03-10T21:00", "recurrence": "none"},
    )
    assert bad.status_code == 200 and MaintenanceWindow.objects.get().ends_at == window.ends_at
    assert client.post(reverse("monitoring:maintenance_create"), {"organization": world.client_b.pk}).status_code == 200
    assert client.post(reverse("monitoring:maintenance_delete", args=[window.pk])).status_code == 302
    assert not MaintenanceWindow.objects.exists()


def test_channel_pages_never_show_the_apprise_url(world, login):
    client = login(world.tech_a)
    response = client.post(
        reverse("monitoring:channel_create"),
        {
            "organization": world.client_a.pk,
            "name": "Équipe",
            "kind": "apprise",
            "apprise_url": "json://127.0.0.1:9/secret-path-7781",
            "min_severity": "warning",
            "quiet_hours_timezone": "Europe/Paris",
            "critical_during_quiet_hours": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = NotificationChannel.objects.get()
    assert b"secret-path-7781" not in client.get(reverse("monitoring:channel_edit", args=[channel.pk])).content
    assert b"secret-path-7781" not in client.get(reverse("monitoring:channel_list")).content
    response = client.post(reverse("monitoring:channel_test", args=[channel.pk]), follow=True)
    assert response.status_code == 200  # the send fails (nothing listens): the reason is shown
    body = api_as(world.tech_a).get(f"/api/v1/notification-channels/{channel.pk}/").json()
    assert "apprise_url" not in body and body["has_apprise_url"] is True


def test_policy_page_and_api(world, login):
    client = login(world.tech_a)
    url = reverse("monitoring:alert_policy", args=[world.client_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "open_incidents": "on",
            "incident_min_severity": "warning",
            "reopen_within_days": 7,
            "flapping_changes": 4,
            "flapping_window_minutes": 30,
        },
    )
    assert response.status_code == 302
    policy = AlertPolicy.objects.get(organization=world.client_a)
    assert policy.incident_min_severity == "warning" and policy.reopen_within_days == 7 and not policy.resolve_on_recovery
    assert client.get(reverse("monitoring:alert_policy", args=[world.client_b.pk])).status_code == 404
    api = api_as(world.tech_a)
    listed = api.get("/api/v1/alert-policies/").json()
    assert [row["organization"] for row in listed["results"]] == [world.client_a.pk]
    changed = api.patch(f"/api/v1/alert-policies/{policy.pk}/", {"flapping_changes": 9}, format="json")
    assert changed.status_code == 200 and changed.json()["flapping_changes"] == 9


def test_acknowledge_page_and_api(world, login):
    from django.utils import timezone

    now = timezone.now()
    alert = Alert.objects.create(
        organization=world.client_a,
        dedup_key="k",
        source_kind="webhook",
        summary="s",
        first_seen_at=now,
        last_seen_at=now,
        fired_at=now,
    )
    client = login(world.tech_a)
    assert client.get(reverse("monitoring:alert_acknowledge", args=[alert.pk])).status_code == 405
    assert client.post(reverse("monitoring:alert_acknowledge", args=[alert.pk])).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.tech_a
    api = api_as(world.admin)
    response = api.post("/api/v1/alert-acknowledgements/", {"alert": alert.pk}, format="json")
    assert response.status_code == 201
    assert api_as(world.tech_b).post("/api/v1/alert-acknowledgements/", {"alert": alert.pk}, format="json").status_code == 400
    window = api.post(
        "/api/v1/maintenance-windows/",
        {
            "organization": world.client_a.pk,
            "name": "Nuit",
            "starts_at": "2026-03-10T22:00:00+01:00",
            "ends_at": "2026-03-11T02:00:00+01:00",
            "recurrence": "daily",
        },
        format="json",
    )
    assert window.status_code == 201, window.json()
    created = api.post(
        "/api/v1/notification-channels/",
        {"organization": world.client_a.pk, "name": "Mail", "kind": "email", "email_addresses": "a@b.test"},
        format="json",
    )
    assert created.status_code == 201 and "apprise_url" not in created.json()
    assert channels.sending.addresses_of(NotificationChannel.objects.get()) == ["a@b.test"]


def test_the_alert_page_offers_acknowledgement_to_serving_staff_until_done(world, login):
    from django.utils import timezone

    from vigie.monitoring.alerting import Signal, record_signal

    alert = record_signal(
        Signal(world.client_a.pk, "gen:disk", True, timezone.now(), source_kind="generic", summary="Disque plein")
    )
    assert alert is not None
    client = login(world.tech_a)
    page = client.get(f"/desk/monitoring/alerts/{alert.pk}/").content.decode()
    assert f"/desk/monitoring/alerts/{alert.pk}/acknowledge/" in page
    client.post(f"/desk/monitoring/alerts/{alert.pk}/acknowledge/", {"next": f"/desk/monitoring/alerts/{alert.pk}/"})
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.tech_a
    page = client.get(f"/desk/monitoring/alerts/{alert.pk}/").content.decode()
    assert f"/desk/monitoring/alerts/{alert.pk}/acknowledge/" not in page
