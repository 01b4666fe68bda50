"""Alert follow-up: incident rules (open, add, resolve, not after human work, reopen within N
days, new after), priority from service criticality, flapping, idempotency, the supervision user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate

from tests.conftest import PASSWORD
from tests.monitoring_alerting_support import at_time, paris, signal
from vigie.catalog import services as catalog_services
from vigie.catalog.models import Criticality
from vigie.cmdb import services as cmdb_services
from vigie.cmdb.models import TicketConfigurationItem
from vigie.monitoring.alerting import processing
from vigie.monitoring.alerting.policy import policy_for
from vigie.monitoring.alerting.supervision import SUPERVISION_EMAIL, supervision_user
from vigie.monitoring.alerting.tasks import sweep
from vigie.monitoring.models import Alert, AlertEvent, AlertEventKind, AlertPolicy, AlertSeverity
from vigie.servicedesk import services as desk
from vigie.servicedesk.models import Channel, Comment, EventKind, Priority, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

T0 = paris("2026-03-10 10:00")


def events(alert: Alert, kind: str) -> int:
    return AlertEvent.objects.filter(alert=alert, kind=kind).count()


def test_a_firing_alert_opens_one_incident_linked_to_its_ci_with_the_service_priority(world):
    server = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="SRV-CAISSE", ci_class="server")
    vital = catalog_services.create_service(
        by=world.admin, organization=world.client_a, name="Encaissement", criticality=Criticality.VITAL
    )
    cmdb_services.add_component(by=world.admin, service=vital, item=server)
    alert = signal(world.client_a, T0, configuration_item_id=server.pk)
    assert alert is not None and alert.ticket is not None
    ticket = alert.ticket
    assert ticket.channel == Channel.MONITORING and ticket.type == "incident"
    assert ticket.priority == Priority.P1
    assert "Encaissement" in ticket.description
    assert TicketConfigurationItem.objects.filter(ticket=ticket, configuration_item=server).exists()
    assert ticket.events.get(kind=EventKind.CREATED).actor.email == SUPERVISION_EMAIL
    assert events(alert, AlertEventKind.INCIDENT_OPENED) == 1
    assert alert.needs_processing_since is None


@pytest.mark.parametrize(
    ("criticality", "priority"),
    [(Criticality.HIGH, Priority.P2), (Criticality.MEDIUM, Priority.P3), (Criticality.LOW, Priority.P4)],
)
def test_priority_follows_the_criticality_of_the_alerts_service(world, criticality, priority):
    service = catalog_services.create_service(by=world.admin, organization=world.client_a, name="Svc", criticality=criticality)
    alert = signal(world.client_a, T0, service_id=service.pk)
    assert alert is not None and alert.ticket is not None
    assert alert.ticket.priority == priority


def test_below_the_policy_severity_no_incident(world):
    alert = signal(world.client_a, T0, severity=AlertSeverity.WARNING)
    assert alert is not None and alert.ticket is None
    policy = policy_for(world.client_a.pk)
    policy.incident_min_severity = AlertSeverity.WARNING
    policy.save()
    alert = signal(world.client_a, T0, key="disk", severity=AlertSeverity.WARNING)
    assert alert is not None and alert.ticket is not None and alert.ticket.priority == Priority.P4


def test_later_firings_add_notes_at_most_every_interval_never_a_second_ticket(world):
    alert = signal(world.client_a, T0)
    assert alert is not None
    for minutes in (1, 5, 10):
        signal(world.client_a, T0 + timedelta(minutes=minutes))
    assert Ticket.objects.count() == 1
    assert Comment.objects.filter(ticket=alert.ticket, is_internal=True).count() == 0
    signal(world.client_a, T0 + timedelta(minutes=31))
    signal(world.client_a, T0 + timedelta(minutes=35))
    notes = Comment.objects.filter(ticket=alert.ticket, is_internal=True)
    assert (notes.count() == 1 and "still firing" in notes.get().body) or "toujours" in notes.get().body
    assert Ticket.objects.count() == 1


def test_recovery_resolves_the_incident(world):
    alert = signal(world.client_a, T0)
    assert alert is not None
    alert = signal(world.client_a, T0 + timedelta(minutes=5), firing=False)
    assert alert is not None and alert.ticket is not None
    assert alert.ticket.status == TicketStatus.RESOLVED
    assert events(alert, AlertEventKind.INCIDENT_RESOLVED) == 1


@pytest.mark.parametrize("work", ["comment", "assign", "status"])
def test_recovery_after_a_technician_worked_on_it_adds_a_note_instead(world, work):
    alert = signal(world.client_a, T0)
    assert alert is not None and alert.ticket is not None
    ticket = alert.ticket
    with at_time(T0 + timedelta(minutes=2)):
        if work == "comment":
            desk.add_comment(ticket, by=world.tech_a, body="Je regarde", internal=True)
        elif work == "assign":
            desk.assign_ticket(ticket, by=world.tech_a, assignee=world.tech_a, group=world.group_a)
        else:
            desk.change_status(ticket, TicketStatus.IN_PROGRESS, by=world.tech_a)
    alert = signal(world.client_a, T0 + timedelta(minutes=5), firing=False)
    ticket.refresh_from_db()
    assert ticket.is_open
    assert events(alert, AlertEventKind.INCIDENT_UPDATED) == 1
    assert Comment.objects.filter(ticket=ticket, author__email=SUPERVISION_EMAIL, is_internal=True).count() == 1


def test_no_resolution_when_the_policy_says_so(world):
    AlertPolicy.objects.create(organization=world.client_a, resolve_on_recovery=False)
    alert = signal(world.client_a, T0)
    signal(world.client_a, T0 + timedelta(minutes=5), firing=False)
    assert alert is not None and alert.ticket is not None
    alert.ticket.refresh_from_db()
    assert alert.ticket.is_open


def test_a_firing_within_n_days_reopens_after_that_opens_a_new_one(world):
    alert = signal(world.client_a, T0)
    signal(world.client_a, T0 + timedelta(minutes=5), firing=False)
    assert alert is not None
    first = alert.ticket
    alert = signal(world.client_a, T0 + timedelta(days=2))
    assert alert is not None and alert.ticket == first
    first.refresh_from_db()
    assert first.status == TicketStatus.IN_PROGRESS and first.reopen_count == 1
    assert events(alert, AlertEventKind.INCIDENT_REOPENED) == 1
    signal(world.client_a, T0 + timedelta(days=2, minutes=5), firing=False)
    first.refresh_from_db()
    assert first.status == TicketStatus.RESOLVED  # the supervision user's own reopening is no human work
    alert = signal(world.client_a, T0 + timedelta(days=6))  # > 3 days after the resolution
    assert alert is not None and alert.ticket is not None and alert.ticket != first
    assert Ticket.objects.count() == 2


def test_follow_up_twice_or_retried_does_everything_once(world):
    with at_time(T0):
        alert = signal(world.client_a, T0)
        assert alert is not None
        # The task ran twice (the queue delivered it again, the sweep took it too).
        Alert.objects.filter(pk=alert.pk).update(needs_processing_since=T0)
        processing.follow_up(alert.pk, now=T0)
        processing.follow_up(alert.pk, now=T0)
    assert Ticket.objects.count() == 1
    assert events(alert, AlertEventKind.INCIDENT_OPENED) == 1
    assert events(alert, AlertEventKind.INCIDENT_UPDATED) == 0


def test_a_follow_up_that_died_is_redone_by_the_sweep(world, monkeypatch):
    from vigie.monitoring.alerting import incidents

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(incidents, "_open", crash)
    with pytest.raises(RuntimeError):
        signal(world.client_a, T0)  # the follow-up dies half-way: rolled back, still flagged
    alert = Alert.objects.get()
    assert alert.ticket is None and alert.needs_processing_since is not None
    monkeypatch.undo()
    with at_time(T0 + timedelta(seconds=30)):
        assert sweep() == []  # too early: its task may still be queued
    with at_time(T0 + timedelta(minutes=3)):
        assert sweep() == [alert.pk]
        assert sweep() == []
    alert.refresh_from_db()
    assert alert.ticket is not None and alert.needs_processing_since is None
    assert Ticket.objects.count() == 1


def test_flapping_stops_incidents_and_settles_after_a_quiet_window(world):
    AlertPolicy.objects.create(organization=world.client_a, flapping_changes=3, flapping_window_minutes=30)
    at = T0
    alert = signal(world.client_a, at)
    assert alert is not None and alert.ticket is not None
    first = alert.ticket
    for step in range(1, 4):
        at = T0 + timedelta(minutes=2 * step)
        alert = signal(world.client_a, at, firing=step % 2 == 0)
    assert alert is not None and alert.is_flapping
    assert events(alert, AlertEventKind.FLAPPING) == 1
    for step in range(4, 8):
        alert = signal(world.client_a, T0 + timedelta(minutes=2 * step), firing=step % 2 == 0)
    assert alert is not None and alert.is_flapping and alert.status == "resolved"
    assert events(alert, AlertEventKind.FLAPPING) == 1
    first.refresh_from_db()
    assert first.is_open  # nothing happened to the incident while flapping
    with at_time(T0 + timedelta(minutes=30)):
        assert sweep() == []  # not yet a whole window without change
    with at_time(T0 + timedelta(minutes=14 + 31)):
        assert sweep() == [alert.pk]
    alert.refresh_from_db()
    first.refresh_from_db()
    assert not alert.is_flapping and events(alert, AlertEventKind.STABLE) == 1
    assert first.status == TicketStatus.RESOLVED  # settled as recovered: the incident follows
    assert Ticket.objects.count() == 1


def test_the_supervision_user_cannot_log_in(world, client):
    user = supervision_user(world.client_a)
    assert supervision_user(world.client_b) == user
    assert not user.has_usable_password()
    assert authenticate(email=SUPERVISION_EMAIL, password="") is None
    assert authenticate(email=SUPERVISION_EMAIL, password=PASSWORD) is None
    response = client.post("/accounts/login/", {"login": SUPERVISION_EMAIL, "password": "x"})
    assert "_auth_user_id" not in client.session and response.status_code == 200
    user.set_password("guessed")
    user.save()
    assert not supervision_user(world.client_a).has_usable_password()  # taken back at next use


def test_the_supervision_user_is_never_offered_as_an_assignee(world):
    from vigie.tenancy.access import staff_visible_to

    user = supervision_user(world.client_a)
    offered = staff_visible_to(world.admin)
    assert offered.filter(pk=world.admin.pk).exists()
    assert not offered.filter(pk=user.pk).exists()
