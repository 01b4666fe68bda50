"""The Zabbix webhook media type script itself (docs/monitoring/zabbix-media-type.js), run by
``node`` with a small shim for Zabbix's ``HttpRequest`` and ``Zabbix`` objects, against a live
Vigie: problem, update (acknowledgement, severity change) and recovery events."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.intake_support import make_source, post
from vigie.cmdb import services as cmdb_services
from vigie.monitoring.models import Alert, AlertStatus, IntakeLog

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "docs" / "monitoring" / "zabbix-media-type.js"
SHIM = Path(__file__).with_name("zabbix_shim.js")
PROBLEM_AT = 1_740_823_200  # 2025-03-01 10:00:00 UTC


def run_media_type(tmp_path: Path, parameters: dict[str, str]) -> tuple[int, dict[str, Any]]:
    node = shutil.which("node")
    assert node, "node is needed to run the Zabbix media type script: apt-get install nodejs"
    params_file = tmp_path / "params.json"
    params_file.write_text(json.dumps(parameters))
    done = subprocess.run([node, str(SHIM), str(SCRIPT), str(params_file)], capture_output=True, timeout=30, check=False)
    return done.returncode, json.loads(done.stdout or b"{}")


def zabbix_parameters(url: str, token: str, **overrides: str) -> dict[str, str]:
    """The media type's parameters as Zabbix expands their macros for a problem event."""
    return {
        "vigie_url": url,
        "vigie_token": token,
        "event_id": "4242",
        "event_value": "1",
        "event_update": "0",
        "event_time": str(PROBLEM_AT),
        "recovery_time": "{EVENT.RECOVERY.TIMESTAMP}",
        "update_time": "{EVENT.UPDATE.TIMESTAMP}",
        "severity": "High",
        "nseverity": "4",
        "host": "srv-files",
        "host_name": "Serveur de fichiers",
        "trigger_name": "Free disk space is less than 5% on /srv",
        "event_name": "Free disk space is less than 5% on /srv",
        "trigger_description": "The volume fills up.",
        "opdata": "Space used: 96%",
        "update_action": "{EVENT.UPDATE.ACTION}",
        "update_message": "{EVENT.UPDATE.MESSAGE}",
        "update_user": "{USER.FULLNAME}",
        "url": "",
        "tags": json.dumps([{"tag": "scope", "value": "capacity"}, {"tag": "vigie_ci", "value": "srv-files"}]),
        **overrides,
    }


@pytest.mark.django_db(transaction=True)
def test_the_media_type_script_sends_problem_update_and_recovery(world, live_server, tmp_path):
    _source, token = make_source(world, "zabbix")
    item = cmdb_services.create_item(by=world.admin, organization=world.client_a, name="SRV-FILES", ci_class="server")
    url = f"{live_server.url}/intake/zabbix/"
    problem = zabbix_parameters(url, token)
    assert run_media_type(tmp_path, problem) == (0, {"result": "OK"})
    alert = Alert.objects.get(dedup_key="zbx:4242")
    assert alert.organization == world.client_a and alert.status == AlertStatus.FIRING
    assert alert.severity == "critical" and alert.configuration_item == item
    assert alert.summary == "Free disk space is less than 5% on /srv — Serveur de fichiers"
    assert alert.labels["scope"] == "capacity" and alert.labels["zabbix_severity"] == "High"
    assert alert.fired_at == datetime.fromtimestamp(PROBLEM_AT, tz=UTC)
    assert "Space used: 96%" in alert.description
    # Zabbix retries a failed alert: the same event again changes nothing.
    assert run_media_type(tmp_path, problem)[0] == 0
    assert Alert.objects.get(pk=alert.pk).occurrences == 1
    # An update: acknowledged, severity lowered to Warning, with a comment.
    update = zabbix_parameters(
        url,
        token,
        event_update="1",
        update_time=str(PROBLEM_AT + 600),
        severity="Warning",
        nseverity="2",
        update_action="acknowledged, commented, changed severity from High to Warning",
        update_message="Purge planifiée ce soir",
        update_user="Théo Tech",
    )
    assert run_media_type(tmp_path, update)[0] == 0
    assert run_media_type(tmp_path, update)[0] == 0  # replayed: no second update
    alert.refresh_from_db()
    assert alert.status == AlertStatus.FIRING and alert.severity == "warning" and alert.occurrences == 2
    assert "Théo Tech — acknowledged, commented, changed severity from High to Warning — Purge planifiée ce soir" in (
        alert.description
    )
    # Recovery.
    recovery = zabbix_parameters(url, token, event_value="0", recovery_time=str(PROBLEM_AT + 1800), severity="Warning")
    assert run_media_type(tmp_path, recovery)[0] == 0
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_at == datetime.fromtimestamp(PROBLEM_AT + 1800, tz=UTC)
    # A wrong token: the script fails, so Zabbix shows the error and retries.
    code, answer = run_media_type(tmp_path, zabbix_parameters(url, "vgi_wrong", event_id="4343"))
    assert code == 1 and "401" in answer["error"]
    assert not Alert.objects.filter(dedup_key="zbx:4343").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("nseverity", "severity", "expected"),
    [("0", "Not classified", "info"), ("1", "Information", "info"), ("3", "Average", "warning"), ("5", "Disaster", "critical")],
)
def test_zabbix_severities(client, world, nseverity, severity, expected):
    _source, token = make_source(world, "zabbix")
    payload = {"event_id": "7", "event_value": "1", "nseverity": nseverity, "severity": severity, "trigger_name": "T"}
    assert post(client, "/intake/zabbix/", payload, token).status_code == 200
    assert Alert.objects.get(dedup_key="zbx:7").severity == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"event_value": "1"}, "event_id"),
        ({"event_id": "{EVENT.ID}", "event_value": "1"}, "event_id"),
        ({"event_id": "9", "event_value": "2"}, "event_value"),
        ({"event_id": "9", "event_value": "1", "tags": "scope:x"}, "tags"),
        ({"event_id": "9", "event_value": "1", "event_time": "demain"}, "event_time"),
    ],
)
def test_zabbix_refusals(client, world, payload, reason):
    source, token = make_source(world, "zabbix")
    response = post(client, f"/intake/zabbix/{token}/", payload)
    assert response.status_code == 400 and reason in response.json()["error"]["message"]
    assert IntakeLog.objects.get().source == source
    assert Alert.objects.count() == 0
