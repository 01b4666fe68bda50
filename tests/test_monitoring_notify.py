"""Alert notifications: e-mail through a real SMTP server on loopback, Apprise through a real
HTTP server on loopback (generic JSON and Mattermost), retries with backoff, quiet hours,
escalation and acknowledgement, never twice."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.mailservers import free_port, running_smtp, use_smtp
from tests.monitoring_alerting_support import at_time, paris, signal
from tests.monitoring_http_sink import http_sink
from vigie.monitoring.alerting.services import acknowledge_alert
from vigie.monitoring.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertPolicy,
    AlertSeverity,
    DeliveryStatus,
    NotificationChannel,
    NotificationDelivery,
)
from vigie.monitoring.notify import channels, planning, sending
from vigie.monitoring.notify.tasks import sweep

pytestmark = pytest.mark.django_db

T0 = paris("2026-03-10 10:00")


@pytest.fixture(autouse=True)
def _no_incidents(world):
    AlertPolicy.objects.create(organization=world.client_a, open_incidents=False)


@pytest.fixture
def smtp(settings):
    with running_smtp(settings) as server:
        yield server


def email_channel(world, **extra) -> NotificationChannel:
    values = {"name": "Astreinte", "kind": "email", "email_addresses": "astreinte@durand.test\nbob@durand.test"}
    values.update(extra)
    return channels.create_channel(by=world.admin, organization=world.client_a, **values)


def apprise_channel(world, url: str, **extra) -> NotificationChannel:
    return channels.create_channel(
        by=world.admin, organization=world.client_a, name="Chat", kind="apprise", apprise_url=url, **extra
    )


def send_planned(at) -> dict[int, str]:
    with at_time(at):
        return sweep()


def test_email_on_firing_and_recovery_in_the_recipients_language(world, smtp):
    world.tech_a.language = "en"
    world.tech_a.save()
    email_channel(world, email_addresses=f"{world.tech_a.email}\nastreinte@durand.test")
    signal(world.client_a, T0, summary="Site web injoignable")
    assert set(send_planned(T0).values()) == {"sent"}
    mails = smtp.wait_for(2)
    by_address = {mail.rcpt_tos[0]: mail for mail in mails}
    english = by_address[world.tech_a.email].message
    assert english["Subject"] == "[Vigie] Alert: Site web injoignable (Boulangerie Martin)"
    assert english["Content-Language"] == "en"
    french = by_address["astreinte@durand.test"].message
    assert french["Content-Language"] == "fr" and "Site web injoignable" in french["Subject"]
    # (the French wording arrives with the catalogs: /work/wt/fr/alerting.json)
    signal(world.client_a, T0 + timedelta(minutes=3), firing=False)
    send_planned(T0 + timedelta(minutes=3))
    mails = smtp.wait_for(4)
    assert any(mail.message["Subject"].startswith("[Vigie] Recovered") for mail in mails)
    assert NotificationDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 2
    assert send_planned(T0 + timedelta(minutes=10)) == {}  # nothing sent twice
    assert len(smtp.mails) == 4


def test_email_retried_with_backoff_when_smtp_is_down(world, settings):
    use_smtp(settings, "127.0.0.1", free_port())
    email_channel(world)
    alert = signal(world.client_a, T0)
    assert send_planned(T0) != {}
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.last_error
    assert delivery.next_attempt_at == T0 + timedelta(minutes=1)
    assert send_planned(T0 + timedelta(seconds=30)) == {}  # not due yet
    send_planned(T0 + timedelta(minutes=1))
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at == T0 + timedelta(minutes=1) + timedelta(minutes=2)
    with running_smtp(settings) as server:
        send_planned(T0 + timedelta(minutes=4))
        assert len(server.wait_for(2)) == 2
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3
    assert AlertEvent.objects.filter(alert=alert, kind=AlertEventKind.NOTIFIED).count() == 1


def test_apprise_json_webhook_receives_the_alert(world):
    with http_sink() as sink:
        apprise_channel(world, f"json://127.0.0.1:{sink.port}/vigie/hook")
        signal(world.client_a, T0, summary="Disque plein sur SRV-01")
        assert set(send_planned(T0).values()) == {"sent"}
        assert len(sink.requests) == 1
        request = sink.requests[0]
        assert request.method == "POST" and request.path == "/vigie/hook"
        payload = json.loads(request.body)
        assert "Disque plein sur SRV-01" in payload["title"] and "Boulangerie Martin" in payload["message"]
        assert payload["type"] == "failure"


def test_apprise_mattermost_on_loopback(world):
    with http_sink() as sink:
        apprise_channel(world, f"mmost://127.0.0.1:{sink.port}/abcdefghijklmnopqrstuvwxyz")
        signal(world.client_a, T0, summary="Sauvegarde en retard")
        send_planned(T0)
        assert len(sink.requests) == 1
        request = sink.requests[0]
        assert request.path == "/hooks/abcdefghijklmnopqrstuvwxyz"
        assert "Sauvegarde en retard" in json.loads(request.body)["text"]


def test_apprise_failure_is_retried(world):
    with http_sink(status=500) as sink:
        apprise_channel(world, f"json://127.0.0.1:{sink.port}/hook")
        signal(world.client_a, T0)
        send_planned(T0)
        delivery = NotificationDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.last_error
        sink.status = 200
        send_planned(T0 + timedelta(minutes=1))
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SENT and len(sink.requests) == 2


def test_severity_filter(world):
    with http_sink() as sink:
        apprise_channel(world, f"json://127.0.0.1:{sink.port}/hook", min_severity=AlertSeverity.CRITICAL)
        signal(world.client_a, T0, severity=AlertSeverity.WARNING)
        assert send_planned(T0) == {} and sink.requests == []


def test_quiet_hours_hold_warnings_until_morning_but_not_criticals(world):
    with http_sink() as sink:
        apprise_channel(
            world,
            f"json://127.0.0.1:{sink.port}/hook",
            min_severity=AlertSeverity.WARNING,
            quiet_hours_start=time(22),
            quiet_hours_end=time(7),
            quiet_hours_timezone="Europe/Paris",
        )
        night = paris("2026-03-10 23:30")
        signal(world.client_a, night, key="disk", severity=AlertSeverity.WARNING, summary="Disque à 85 %")
        signal(world.client_a, night, key="site", severity=AlertSeverity.CRITICAL, summary="Site en panne")
        send_planned(night)
        assert [json.loads(r.body)["title"] for r in sink.requests] == ["[Vigie] Alert: Site en panne (Boulangerie Martin)"] or (
            len(sink.requests) == 1 and "Site en panne" in json.loads(sink.requests[0].body)["title"]
        )
        held = NotificationDelivery.objects.get(status=DeliveryStatus.DEFERRED)
        assert held.next_attempt_at == paris("2026-03-11 07:00")
        assert send_planned(paris("2026-03-11 06:59")) == {}
        send_planned(paris("2026-03-11 07:00"))
        assert len(sink.requests) == 2 and "Disque" in json.loads(sink.requests[1].body)["title"]


def test_fired_and_recovered_during_quiet_hours_says_nothing(world):
    with http_sink() as sink:
        apprise_channel(
            world,
            f"json://127.0.0.1:{sink.port}/hook",
            quiet_hours_start=time(22),
            quiet_hours_end=time(7),
            critical_during_quiet_hours=False,
        )
        signal(world.client_a, paris("2026-03-10 23:00"))
        signal(world.client_a, paris("2026-03-10 23:20"), firing=False)
        send_planned(paris("2026-03-11 07:05"))
        assert sink.requests == [] and not NotificationDelivery.objects.exists()


def test_escalation_after_n_minutes_unless_acknowledged(world):
    with http_sink() as sink:
        manager = apprise_channel(world, f"json://127.0.0.1:{sink.port}/manager")
        email = email_channel(world, email_addresses="nobody@durand.test", escalate_after_minutes=15, escalation_channel=manager)
        NotificationDelivery.objects.all().delete()
        # The e-mail channel alone is told first (the manager channel takes only escalations here).
        manager.min_severity = AlertSeverity.CRITICAL
        manager.save()
        alert = signal(world.client_a, T0, severity=AlertSeverity.WARNING)
        assert alert is not None
        with at_time(T0):
            assert list(NotificationDelivery.objects.values_list("channel_id", flat=True)) == [email.pk]
        assert NotificationDelivery.objects.filter(channel=email).exists()
        with at_time(T0 + timedelta(minutes=14)):
            sweep()
        assert sink.requests == []
        with at_time(T0 + timedelta(minutes=15)):
            sweep()
            sweep()
        assert len(sink.requests) == 1 and "Escalade" in json.loads(sink.requests[0].body)["title"]
        # A second firing, acknowledged in time: no escalation.
        signal(world.client_a, T0 + timedelta(minutes=20), firing=False)
        alert = signal(world.client_a, T0 + timedelta(minutes=30), severity=AlertSeverity.WARNING)
        with at_time(T0 + timedelta(minutes=35)):
            acknowledge_alert(alert, by=world.tech_a)
        with at_time(T0 + timedelta(minutes=50)):
            sweep()
        escalations = NotificationDelivery.objects.filter(event_key__startswith="escalation:")
        assert escalations.count() == 1


def test_acknowledge(world):
    alert = signal(world.client_a, T0)
    assert alert is not None
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied for someone not serving the client
        acknowledge_alert(alert, by=world.tech_b)
    acknowledge_alert(alert, by=world.tech_a)
    acknowledge_alert(alert, by=world.tech_a)
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.tech_a
    assert AlertEvent.objects.filter(alert=alert, kind=AlertEventKind.ACKNOWLEDGED).count() == 1
    resolved = signal(world.client_a, T0 + timedelta(minutes=1), firing=False)
    with pytest.raises(ValidationError):
        acknowledge_alert(resolved, by=world.tech_a)  # type: ignore[arg-type]


def test_flapping_is_notified_once(world):
    AlertPolicy.objects.filter(organization=world.client_a).update(flapping_changes=3, flapping_window_minutes=30)
    with http_sink() as sink:
        apprise_channel(world, f"json://127.0.0.1:{sink.port}/hook")
        for step in range(8):
            at = T0 + timedelta(minutes=2 * step)
            signal(world.client_a, at, firing=step % 2 == 0)
            send_planned(at)
        titles = [json.loads(r.body)["title"] for r in sink.requests]
        assert sum("Instable" in title for title in titles) == 1
        assert len(titles) == 4  # fired, resolved, fired, then flapping: nothing after


def test_channel_validation_and_test_send(world, smtp):
    with pytest.raises(ValidationError) as error:
        channels.create_channel(
            by=world.admin, organization=world.client_a, name="X", kind="email", email_addresses="pas-une-adresse"
        )
    assert "email_addresses" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        channels.create_channel(
            by=world.admin, organization=world.client_a, name="X", kind="apprise", apprise_url="nimporte://quoi"
        )
    assert "apprise_url" in error.value.message_dict
    channel = email_channel(world)
    assert channels.send_test(channel, by=world.admin) == ""
    assert len(smtp.wait_for(2)) == 2
    with http_sink() as sink:
        chat = apprise_channel(world, f"json://127.0.0.1:{sink.port}/hook")
        assert channels.send_test(chat, by=world.admin) == ""
        assert len(sink.requests) == 1
    assert channels.send_test(chat, by=world.admin) != ""  # the server is gone: the reason is shown
    stored = NotificationChannel.objects.get(pk=chat.pk)
    assert stored.apprise_url.startswith("json://")
    channels.update_channel(stored, by=world.admin, apprise_url="", name="Chat 2")
    assert NotificationChannel.objects.get(pk=chat.pk).apprise_url.startswith("json://")  # kept


def test_escalation_plan_is_idempotent(world):
    target = apprise_channel(world, "json://127.0.0.1:9/hook", min_severity=AlertSeverity.CRITICAL)
    email_channel(world, escalate_after_minutes=5, escalation_channel=target)
    alert = signal(world.client_a, T0, severity=AlertSeverity.WARNING)
    assert isinstance(alert, Alert)
    later = T0 + timedelta(minutes=10)
    assert len(planning.plan_escalations(later)) == 1
    assert planning.plan_escalations(later) == []
    assert sending.deliver(NotificationDelivery.objects.get(channel=target).pk, later) == "retry"
