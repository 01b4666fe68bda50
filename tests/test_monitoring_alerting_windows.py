"""Maintenance windows: one-off, recurring (daily, weekly, monthly), crossing midnight, across
daylight-saving changes in Europe/Paris; scope by client, CI, service (and the CIs supporting
it); silenced alerts act when the window ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.monitoring_alerting_support import at_time, paris, signal
from vigie.catalog import services as catalog_services
from vigie.cmdb import services as cmdb_services
from vigie.monitoring.alerting.maintenance import active_window, next_occurrences, occurrence_at
from vigie.monitoring.alerting.services import create_window
from vigie.monitoring.alerting.tasks import sweep
from vigie.monitoring.models import AlertEvent, AlertEventKind, MaintenanceWindow, NotificationChannel, Recurrence
from vigie.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


def window(world, start: str, end: str, recurrence: str = Recurrence.NONE, **extra) -> MaintenanceWindow:
    return create_window(
        by=world.admin,
        organization=world.client_a,
        name="Sauvegarde nocturne",
        starts_at=paris(start),
        ends_at=paris(end),
        recurrence=recurrence,
        **extra,
    )


def real(start: datetime, end: datetime) -> timedelta:
    """Elapsed time (Python subtracts two datetimes of the same zone by wall time)."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def test_one_off_window(world):
    w = window(world, "2026-03-10 22:00", "2026-03-11 02:00")
    target = (world.client_a.pk, None, None)
    assert active_window(target, paris("2026-03-10 21:59")) is None
    assert active_window(target, paris("2026-03-10 22:00")) == w
    assert active_window(target, paris("2026-03-11 01:59")) == w
    assert active_window(target, paris("2026-03-11 02:00")) is None
    assert active_window((world.client_b.pk, None, None), paris("2026-03-10 23:00")) is None


def test_daily_window_crossing_midnight_keeps_local_time_across_dst(world):
    w = window(world, "2026-03-20 22:00", "2026-03-21 02:00", Recurrence.DAILY, repeat_until=date(2026, 4, 5))
    # Every night 22:00–02:00 Paris time, before and after the change of 29 March (02:00 → 03:00).
    for night in ("2026-03-21", "2026-03-27", "2026-03-28", "2026-03-29", "2026-04-02"):
        assert occurrence_at(w, paris(f"{night} 23:30")) is not None, night
        assert occurrence_at(w, paris(f"{night} 21:59")) is None, night
        assert occurrence_at(w, paris(f"{night} 02:30")) is None, night
    # After midnight, the window that began the evening before.
    start, end = occurrence_at(w, paris("2026-03-30 01:30"))  # type: ignore[misc]
    assert start == paris("2026-03-29 22:00") and end == paris("2026-03-30 02:00")
    # The night of the change, 02:00 does not exist: the window ends when the clocks jump.
    start, end = occurrence_at(w, paris("2026-03-28 23:00"))  # type: ignore[misc]
    assert real(start, end) == timedelta(hours=4)
    assert occurrence_at(w, paris("2026-03-29 03:00")) is None
    assert occurrence_at(w, paris("2026-04-05 23:00")) is not None  # the last repetition
    assert occurrence_at(w, paris("2026-04-06 23:00")) is None
    assert occurrence_at(w, paris("2026-03-19 23:00")) is None  # before the first


def test_wall_time_is_kept_on_both_daylight_saving_nights(world):
    w = window(world, "2026-03-01 01:00", "2026-03-01 04:00", Recurrence.DAILY)
    spring_start, spring_end = occurrence_at(w, paris("2026-03-29 01:30"))  # type: ignore[misc]
    assert (spring_start.hour, spring_end.hour) == (1, 4) and real(spring_start, spring_end) == timedelta(hours=2)
    autumn_start, autumn_end = occurrence_at(w, paris("2026-10-25 01:30"))  # type: ignore[misc]
    assert (autumn_start.hour, autumn_end.hour) == (1, 4) and real(autumn_start, autumn_end) == timedelta(hours=4)
    assert occurrence_at(w, paris("2026-10-25 03:59")) is not None
    assert occurrence_at(w, paris("2026-10-25 04:00")) is None


def test_weekly_and_monthly_windows(world):
    weekly = window(world, "2026-10-20 08:00", "2026-10-20 09:00", Recurrence.WEEKLY)  # a Tuesday
    assert occurrence_at(weekly, paris("2026-10-27 08:30")) is not None
    assert occurrence_at(weekly, paris("2026-11-03 08:30")) is not None  # after the October change
    assert occurrence_at(weekly, paris("2026-10-28 08:30")) is None
    monthly = window(world, "2026-01-31 20:00", "2026-01-31 23:00", Recurrence.MONTHLY)
    assert occurrence_at(monthly, paris("2026-02-28 21:00")) is not None  # the last day of February
    assert occurrence_at(monthly, paris("2026-03-31 21:00")) is not None
    assert occurrence_at(monthly, paris("2026-03-30 21:00")) is None
    upcoming = next_occurrences(weekly, paris("2026-10-21 00:00"), count=2)
    assert [start for start, _end in upcoming] == [paris("2026-10-27 08:00"), paris("2026-11-03 08:00")]


def test_scope_ci_service_and_supporting_ci(world):
    server = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="SRV", ci_class="server")
    other = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="NAS", ci_class="server")
    service = catalog_services.create_service(by=world.admin, organization=world.client_a, name="Messagerie")
    cmdb_services.add_component(by=world.admin, service=service, item=server)
    on_ci = window(world, "2026-03-10 10:00", "2026-03-10 11:00", configuration_item=other)
    on_service = window(world, "2026-03-10 12:00", "2026-03-10 13:00", service=service)
    org = world.client_a.pk
    assert active_window((org, other.pk, None), paris("2026-03-10 10:30")) == on_ci
    assert active_window((org, server.pk, None), paris("2026-03-10 10:30")) is None
    assert active_window((org, None, service.pk), paris("2026-03-10 12:30")) == on_service
    assert active_window((org, server.pk, None), paris("2026-03-10 12:30")) == on_service  # supports the service
    assert active_window((org, other.pk, None), paris("2026-03-10 12:30")) is None


def test_silenced_alerts_act_when_the_window_ends(world):
    NotificationChannel.objects.create(
        organization=world.client_a, name="Astreinte", kind="email", email_addresses="astreinte@durand.test"
    )
    window(world, "2026-03-10 22:00", "2026-03-11 02:00")
    alert = signal(world.client_a, paris("2026-03-10 23:00"))
    assert alert is not None and alert.is_silenced and alert.ticket is None
    assert AlertEvent.objects.filter(alert=alert, kind=AlertEventKind.SILENCED).count() == 1
    assert not alert.deliveries.exists()
    signal(world.client_a, paris("2026-03-11 00:30"))  # seen again during the window: still nothing
    assert Ticket.objects.count() == 0
    with at_time(paris("2026-03-11 01:59")):
        assert sweep() == []
    with at_time(paris("2026-03-11 02:01")):
        assert sweep() == [alert.pk]
    alert.refresh_from_db()
    assert not alert.is_silenced and alert.ticket is not None
    assert alert.deliveries.count() == 1


def test_an_alert_that_recovers_inside_the_window_never_acts(world):
    window(world, "2026-03-10 22:00", "2026-03-11 02:00")
    signal(world.client_a, paris("2026-03-10 23:00"))
    alert = signal(world.client_a, paris("2026-03-10 23:30"), firing=False)
    assert alert is not None and not alert.is_silenced
    with at_time(paris("2026-03-11 03:00")):
        sweep()
    assert Ticket.objects.count() == 0 and not alert.deliveries.exists()


def test_window_validation(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        window(world, "2026-03-10 22:00", "2026-03-10 21:00")
    assert "ends_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        window(world, "2026-03-10 22:00", "2026-03-12 02:00", Recurrence.DAILY)
    assert "ends_at" in error.value.message_dict
    foreign = cmdb_services.create_item(by=world.admin, organization=world.client_b, name="X", ci_class="server")
    with pytest.raises(ValidationError) as error:
        window(world, "2026-03-10 22:00", "2026-03-10 23:00", configuration_item=foreign)
    assert "configuration_item" in error.value.message_dict
