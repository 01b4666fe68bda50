"""Heartbeat checks: the ping API through Django's test client, schedules (period and DST-safe
cron), states and transitions with time frozen, the sweeper's conditional claim, and the alert
signals they raise and resolve."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils.translation import gettext as _

from vigie.monitoring.checks import create_check, pause_check
from vigie.monitoring.heartbeats import sweeper
from vigie.monitoring.heartbeats.schedule import deadlines, next_expected
from vigie.monitoring.heartbeats.validation import validate_schedule
from vigie.monitoring.models import Alert, AlertStatus, Check, CheckStatus, Ping, ScheduleKind

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def heartbeat(world: Any, **fields: Any) -> Check:
    fields.setdefault("name", "Sauvegarde NAS")
    fields.setdefault("period_seconds", 3600)
    fields.setdefault("grace_seconds", 600)
    organization = fields.pop("organization", world.client_a)
    return create_check(by=world.admin, organization=organization, kind="heartbeat", **fields)


def ping(client: Client, check: Check, suffix: str = "", method: str = "get", **extra: Any) -> Any:
    return getattr(client, method)(f"/ping/{check.ping_key}{suffix}", **extra)


def fresh(check: Check) -> Check:
    check.refresh_from_db()
    return check


# --------------------------------------------------------------------------- the ping API


def test_every_url_form_and_method_records_a_ping(world, client):
    check = heartbeat(world)
    forms = ["", "/", "/start", "/start/", "/log", "/log/", "/0", "/0/", "/fail", "/fail/", "/3", "/3/"]
    for suffix in forms:
        for method in ("get", "post", "head"):
            response = ping(client, check, suffix, method)
            assert response.status_code == 200, (suffix, method)
            if method != "head":
                assert response.content == b"OK"
            assert response["Ping-Body-Limit"] == "100000"
    kinds = list(Ping.objects.filter(heartbeat=check).order_by("id").values_list("kind", "exit_status", "method"))
    assert len(kinds) == len(forms) * 3
    assert kinds[:3] == [("success", None, "GET"), ("success", None, "POST"), ("success", None, "HEAD")]
    assert ("exit", 3, "POST") in kinds and ("exit", 0, "HEAD") in kinds and ("start", None, "GET") in kinds
    assert ("log", None, "GET") in kinds and ("fail", None, "POST") in kinds


def test_unknown_key_other_method_and_malformed_input(world, client):
    check = heartbeat(world)
    unknown = client.get(f"/ping/{uuid.uuid4()}")
    assert unknown.status_code == 404 and unknown.content == b"not found"
    assert client.post(f"/ping/{uuid.uuid4()}/fail").status_code == 404
    assert client.get("/ping/not-a-uuid").status_code == 404
    assert ping(client, check, "/256").status_code == 400
    bad_rid = ping(client, check, "", data={"rid": "nope"})
    assert bad_rid.status_code == 400 and bad_rid.content == b"invalid uuid format"
    assert ping(client, check, "", "put").status_code == 405
    assert Ping.objects.count() == 0
    assert fresh(check).status == CheckStatus.NEW


def test_inactive_client_and_probe_checks_do_not_take_pings(world, client):
    check = heartbeat(world)
    probe = create_check(by=world.admin, organization=world.client_a, kind="http", name="Site", target="https://x.test")
    assert client.get(f"/ping/{probe.ping_key}").status_code == 404
    world.client_a.is_active = False
    world.client_a.save()
    assert ping(client, check).status_code == 404
    assert Ping.objects.count() == 0


def test_no_login_no_session_no_csrf(world):
    check = heartbeat(world)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/ping/{check.ping_key}", data=b"done", content_type="text/plain")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_body_is_kept_up_to_the_limit(world, client, settings):
    settings.VIGIE_PING_BODY_LIMIT = 1000
    check = heartbeat(world)
    ping(client, check, "/log", "post", data="é" * 400, content_type="text/plain")  # 800 bytes
    ping(client, check, "/fail", "post", data=b"x" * 5000 + b"\x00end", content_type="application/octet-stream")
    kept, cut = Ping.objects.filter(heartbeat=check).order_by("id")
    assert kept.body == "é" * 400 and not kept.body_truncated
    assert cut.body == "x" * 1000 and cut.body_truncated
    assert ping(client, check, "", "get", data={"x": "y"}).status_code == 200
    assert Ping.objects.filter(heartbeat=check).latest("id").body == ""


def test_request_details_are_stored(world, client):
    check = heartbeat(world)
    ping(client, check, "/0", "post", data="log", content_type="text/plain", HTTP_USER_AGENT="curl/8.0", REMOTE_ADDR="10.1.2.3")
    stored = Ping.objects.get(heartbeat=check)
    assert (stored.kind, stored.exit_status, stored.method) == ("exit", 0, "POST")
    assert stored.user_agent == "curl/8.0" and stored.remote_address == "10.1.2.3" and stored.body == "log"


# --------------------------------------------------------------------------- states and transitions


def test_success_late_down_and_recovery_with_alerts(world, client):
    with time_machine.travel(T0, tick=False) as traveller:
        check = heartbeat(world)
        assert check.status == CheckStatus.NEW and check.late_at is None
        assert sweeper.sweep_heartbeats().down == 0  # a new check is never late
        ping(client, check)
        check = fresh(check)
        assert check.status == CheckStatus.UP and check.last_ping_at == T0
        assert (check.late_at, check.down_at) == (T0 + timedelta(hours=1), T0 + timedelta(hours=1, minutes=10))
        traveller.move_to(T0 + timedelta(minutes=59))
        assert sweeper.sweep_heartbeats() == sweeper.SweepResult(late=0, down=0)
        traveller.move_to(T0 + timedelta(hours=1, minutes=1))
        assert sweeper.sweep_heartbeats() == sweeper.SweepResult(late=1, down=0)
        assert fresh(check).status == CheckStatus.LATE
        assert not Alert.objects.exists()  # late is the grace period: no alert yet
        traveller.move_to(T0 + timedelta(hours=1, minutes=10))
        assert sweeper.sweep_heartbeats() == sweeper.SweepResult(late=0, down=1)
        check = fresh(check)
        assert check.status == CheckStatus.DOWN and check.down_at is None
        alert = Alert.objects.get()
        assert alert.status == AlertStatus.FIRING and alert.source_check_id == check.pk
        assert alert.dedup_key == f"check:{check.pk}" and alert.source_kind == "check"
        assert "Sauvegarde NAS" in alert.summary
        traveller.move_to(T0 + timedelta(hours=2))
        assert ping(client, check).status_code == 200
        assert fresh(check).status == CheckStatus.UP
        alert.refresh_from_db()
        assert alert.status == AlertStatus.RESOLVED and alert.resolved_at == T0 + timedelta(hours=2)


def test_fail_and_exit_statuses(world, client):
    with time_machine.travel(T0, tick=False):
        check = heartbeat(world, severity="warning")
        ping(client, check, "/0")
        assert fresh(check).status == CheckStatus.UP
        ping(client, check, "/fail")
        check = fresh(check)
        assert check.status == CheckStatus.DOWN and check.consecutive_failures == 1 and check.late_at is None
        alert = Alert.objects.get()
        assert alert.severity == "warning" and alert.status == AlertStatus.FIRING
        ping(client, check, "/2")
        check = fresh(check)
        assert check.consecutive_failures == 2 and check.last_message == _("Exit status %(status)s") % {"status": 2}
        assert Alert.objects.get().occurrences == 1  # already down: no second firing
        ping(client, check, "/0")
        assert fresh(check).status == CheckStatus.UP and fresh(check).consecutive_failures == 0
        assert Alert.objects.get().status == AlertStatus.RESOLVED
        ping(client, check, "/1")
        alert = Alert.objects.get()
        assert alert.status == AlertStatus.FIRING and alert.summary.startswith("Sauvegarde NAS")


def test_start_and_log_change_no_state(world, client):
    with time_machine.travel(T0, tick=False):
        check = heartbeat(world)
        ping(client, check, "/start")
        ping(client, check, "/log")
        check = fresh(check)
        assert check.status == CheckStatus.NEW and check.last_start_at == T0 and check.last_ping_at is None


def test_a_started_run_that_never_ends_is_down_after_the_grace(world, client):
    with time_machine.travel(T0, tick=False) as traveller:
        check = heartbeat(world, period_seconds=86400, grace_seconds=1800)
        ping(client, check)
        traveller.move_to(T0 + timedelta(hours=20))
        ping(client, check, "/start")
        assert fresh(check).down_at == T0 + timedelta(hours=20, minutes=30)
        traveller.move_to(T0 + timedelta(hours=20, minutes=31))
        assert sweeper.sweep_heartbeats().down == 1
        assert fresh(check).status == CheckStatus.DOWN


def test_durations_pair_starts_and_ends(world, client):
    with time_machine.travel(T0, tick=False) as traveller:
        check = heartbeat(world)
        first, second = uuid.uuid4(), uuid.uuid4()
        ping(client, check, "/start", data={"rid": str(first)})
        traveller.move_to(T0 + timedelta(seconds=30))
        ping(client, check, "/start", data={"rid": str(second)})
        traveller.move_to(T0 + timedelta(seconds=100))
        ping(client, check, "", data={"rid": str(first)})
        assert fresh(check).last_duration_seconds == 100
        traveller.move_to(T0 + timedelta(seconds=130))
        ping(client, check, "/fail", data={"rid": str(second)})
        assert fresh(check).last_duration_seconds == 100
        ends = list(Ping.objects.filter(heartbeat=check, kind__in=["success", "fail"]).order_by("id"))
        assert [(p.run_id, p.duration_seconds) for p in ends] == [(first, 100), (second, 100)]
        # Without a run id: the last start without one since the previous end.
        traveller.move_to(T0 + timedelta(seconds=200))
        ping(client, check, "/start")
        traveller.move_to(T0 + timedelta(seconds=245))
        ping(client, check, "/0")
        assert fresh(check).last_duration_seconds == 45
        # An end with no start since the previous end has no duration.
        traveller.move_to(T0 + timedelta(seconds=300))
        ping(client, check)
        assert Ping.objects.filter(heartbeat=check).latest("id").duration_seconds is None
        assert fresh(check).last_duration_seconds == 45


def test_a_ping_resumes_a_paused_check_but_a_start_does_not(world, client):
    with time_machine.travel(T0, tick=False):
        check = heartbeat(world)
        ping(client, check, "/fail")
        pause_check(fresh(check), by=world.admin)
        assert Alert.objects.get().status == AlertStatus.RESOLVED
        assert sweeper.sweep_heartbeats() == sweeper.SweepResult(0, 0)
        ping(client, check, "/start")
        assert fresh(check).status == CheckStatus.PAUSED
        ping(client, check)
        check = fresh(check)
        assert check.status == CheckStatus.UP and check.late_at == T0 + timedelta(hours=1)


def test_the_sweeper_claims_each_transition_once(world, client):
    with time_machine.travel(T0, tick=False) as traveller:
        checks = [heartbeat(world, name=f"Tâche {n}") for n in range(3)]
        for check in checks:
            ping(client, check)
        traveller.move_to(T0 + timedelta(hours=2))
        assert sweeper.sweep_heartbeats() == sweeper.SweepResult(late=0, down=3)
        assert sweeper.sweep_heartbeats() == sweeper.SweepResult(late=0, down=0)
        assert Alert.objects.count() == 3 and all(a.occurrences == 1 for a in Alert.objects.all())
        # A claim that lost the race (another worker moved the check) fires nothing.
        ping(client, checks[0])
        assert sweeper._claim_down(checks[0].pk, T0 + timedelta(hours=2)) == 0
        assert Alert.objects.get(source_check=checks[0]).status == AlertStatus.RESOLVED


def test_the_sweeper_skips_inactive_clients(world, client):
    with time_machine.travel(T0, tick=False) as traveller:
        check = heartbeat(world, organization=world.client_b)
        ping(client, check)
        world.client_b.is_active = False
        world.client_b.save()
        traveller.move_to(T0 + timedelta(days=1))
        assert sweeper.sweep_heartbeats() == sweeper.SweepResult(0, 0)


def test_the_periodic_task_runs_the_sweeper(world, client):
    from vigie.monitoring import tasks as monitoring_tasks
    from vigie.monitoring.heartbeats.tasks import sweep_heartbeats_task

    assert monitoring_tasks.heartbeats_tasks.sweep_heartbeats_task is sweep_heartbeats_task
    with time_machine.travel(T0, tick=False) as traveller:
        check = heartbeat(world)
        ping(client, check)
        traveller.move_to(T0 + timedelta(hours=1, minutes=5))
        assert sweep_heartbeats_task.call_local() == {"late": 1, "down": 0}


# --------------------------------------------------------------------------- cron schedules and DST


def test_cron_schedule_in_paris_across_the_spring_change(world, client):
    check = heartbeat(world, schedule_kind=ScheduleKind.CRON, cron_expression="30 2 * * *", schedule_timezone="Europe/Paris")
    # Saturday 28 March 2026, 02:35 Paris (01:35 UTC): next run on Sunday 29, when 02:30 does not
    # exist (clocks jump from 02:00 to 03:00): cronsim runs it at 03:00 CEST = 01:00 UTC.
    late_at, down_at = deadlines(check, datetime(2026, 3, 28, 1, 35, tzinfo=UTC))
    assert late_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert down_at == late_at + timedelta(minutes=10)
    # The day after, 02:30 CEST is 00:30 UTC: 23 hours 30 later.
    assert next_expected(check, late_at) == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)


def test_cron_schedule_in_paris_across_the_autumn_change(world):
    check = heartbeat(world, schedule_kind=ScheduleKind.CRON, cron_expression="30 2 * * *", schedule_timezone="Europe/Paris")
    # Sunday 25 October 2026: 02:30 happens twice (CEST then CET); the job runs once, at the first.
    first = next_expected(check, datetime(2026, 10, 24, 1, 0, tzinfo=UTC))
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    after = next_expected(check, first)
    assert after == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)  # 02:30 CET, 25 hours later
    assert next_expected(check, first + timedelta(hours=1)) == after  # not again at 02:30 CET that night


def test_cron_check_end_to_end_over_the_spring_change(world, client):
    check = heartbeat(
        world, schedule_kind=ScheduleKind.CRON, cron_expression="30 2 * * *", schedule_timezone="Europe/Paris", grace_seconds=3600
    )
    with time_machine.travel(datetime(2026, 3, 28, 1, 40, tzinfo=UTC), tick=False) as traveller:
        ping(client, check)
        assert fresh(check).late_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
        traveller.move_to(datetime(2026, 3, 29, 1, 5, tzinfo=UTC))
        assert sweeper.sweep_heartbeats().late == 1
        ping(client, check)  # the job ran at 03:00 local time, a little late
        check = fresh(check)
        assert check.status == CheckStatus.UP and check.late_at == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)


def test_cron_in_another_time_zone(world):
    check = heartbeat(world, schedule_kind=ScheduleKind.CRON, cron_expression="0 9 * * 1-5", schedule_timezone="America/New_York")
    # Friday 6 March 2026 10:00 New York → Monday 9 March 09:00 EDT (DST started on 8 March) = 13:00 UTC.
    assert next_expected(check, datetime(2026, 3, 6, 15, 0, tzinfo=UTC)) == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"cron_expression": "61 * * * *", "schedule_kind": "cron"}, "cron_expression", "cron"),
        ({"cron_expression": "* * *", "schedule_kind": "cron"}, "cron_expression", "* * *"),
        ({"schedule_kind": "cron", "cron_expression": ""}, "cron_expression", None),
        ({"schedule_timezone": "Europe/Lutece"}, "schedule_timezone", "Europe/Lutece"),
        ({"period_seconds": 59}, "period_seconds", "60"),
        ({"period_seconds": 366 * 86400}, "period_seconds", "31536000"),
        ({"period_seconds": "abc"}, "period_seconds", None),
        ({"grace_seconds": 10}, "grace_seconds", "31536000"),
        ({"schedule_kind": "weekly"}, "schedule_kind", None),
    ],
)
def test_bad_schedules_are_refused_naming_the_field(fields, field, words):
    with pytest.raises(ValidationError) as raised:
        validate_schedule(dict(fields))
    messages = raised.value.message_dict
    assert list(messages) == [field]
    assert words is None or words in messages[field][0], messages


def test_good_schedules_are_cleaned(world):
    cleaned = validate_schedule(
        {
            "schedule_kind": "cron",
            "cron_expression": " 30  2 * *   1-5 ",
            "schedule_timezone": "Europe/Paris",
            "grace_seconds": "600",
        }
    )
    assert cleaned["cron_expression"] == "30 2 * * 1-5" and cleaned["grace_seconds"] == 600
    with pytest.raises(ValidationError):
        heartbeat(world, period_seconds=10)
    assert heartbeat(world, period_seconds=60, grace_seconds=60).period_seconds == 60


# --------------------------------------------------------------------------- the one-statement path (PostgreSQL)


def test_the_fast_path_sql_names_the_models_tables():
    from vigie.monitoring.heartbeats import fastpath
    from vigie.tenancy.models import Organization

    assert (Check._meta.db_table, Ping._meta.db_table, Organization._meta.db_table) == fastpath.TABLES
    assert re.search(r"INSERT INTO monitoring_ping\b", fastpath.SUCCESS_SQL) and re.search(
        r"INSERT INTO monitoring_ping\b", fastpath.LOG_SQL
    )
    for sql in (fastpath.SUCCESS_SQL, fastpath.LOG_SQL):
        assert all(re.search(rf"\b{table}\b", sql) for table in fastpath.TABLES)
    columns = {field.column for field in Ping._meta.concrete_fields}
    assert {
        "heartbeat_id",
        "at",
        "kind",
        "exit_status",
        "run_id",
        "method",
        "remote_address",
        "user_agent",
        "body",
        "body_truncated",
    } <= columns
    assert {"heartbeat", "up", "down", "period"} <= {str(value) for values in fastpath.SQL_CHOICES.values() for value in values}


@pytest.mark.django_db(transaction=True)
def test_common_pings_outside_a_transaction_match_the_general_path(world):
    """Outside a transaction (as in production) PostgreSQL takes the one-statement path for
    success, exit 0 and log pings; the results are those of the general path."""
    from django.db import connection

    from vigie.monitoring.heartbeats import fastpath
    from vigie.monitoring.heartbeats.batching import writer

    client = Client()
    assert fastpath.applies("success", None, None) == (connection.vendor == "postgresql")
    assert not fastpath.applies("fail", None, None) and not fastpath.applies("success", None, uuid.uuid4())
    with time_machine.travel(T0, tick=False) as traveller:
        check = heartbeat(world)
        cron = heartbeat(
            world, name="Cron", schedule_kind=ScheduleKind.CRON, cron_expression="0 3 * * *", schedule_timezone="Europe/Paris"
        )
        assert ping(client, check, "/log", "post", data="début", content_type="text/plain").status_code == 200
        assert fresh(check).status == CheckStatus.NEW
        ping(client, check, "/0", "post", data="fini", content_type="text/plain", HTTP_USER_AGENT="curl/8")
        check = fresh(check)
        assert (check.status, check.status_changed_at, check.last_ping_at) == (CheckStatus.UP, T0, T0)
        assert (check.late_at, check.down_at) == (T0 + timedelta(hours=1), T0 + timedelta(hours=1, minutes=10))
        stored = Ping.objects.filter(heartbeat=check).order_by("id")
        assert [(p.kind, p.exit_status, p.body, p.user_agent, p.method) for p in stored][1] == (
            "exit",
            0,
            "fini",
            "curl/8",
            "POST",
        )
        assert stored[0].kind == "log" and stored[0].body == "début" and str(stored[0].remote_address) == "127.0.0.1"
        traveller.move_to(T0 + timedelta(minutes=5))
        ping(client, check)
        assert fresh(check).status_changed_at == T0  # still up: unchanged
        # Down, then a success: the general path resolves the alert.
        ping(client, check, "/fail")
        ping(client, check)
        assert fresh(check).status == CheckStatus.UP and Alert.objects.get().status == AlertStatus.RESOLVED
        # A cron schedule and a pending start go through the general path, with the same outcome.
        ping(client, cron)
        assert fresh(cron).late_at == datetime(2026, 5, 5, 1, 0, tzinfo=UTC)
        traveller.move_to(T0 + timedelta(minutes=6))
        ping(client, check, "/start")
        traveller.move_to(T0 + timedelta(minutes=7))
        ping(client, check)
        assert fresh(check).last_duration_seconds == 60
        assert client.get(f"/ping/{uuid.uuid4()}").status_code == 404
        world.client_a.is_active = False
        world.client_a.save()
        assert ping(client, check).status_code == 404 and ping(client, check, "/log").status_code == 404
    writer.stop()
