"""GET /api/v1/kpis/ and /api/v1/kpis/trend/: the same figures as vigie.reports.kpis, the tenant
boundary, parameters, errors in the one error format, and the schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.utils.encoders import JSONEncoder

from tests.conftest import World
from tests.kpi_support import APRIL_15, MARCH, PARIS, answer, clocks, open_ticket, outage, resolve, survey
from tests.test_api_support import api_as, error_fields
from vigie.api.serializers.kpis import KpiReportSerializer, report_data
from vigie.catalog.models import BusinessService
from vigie.reports.kpis import compute
from vigie.servicedesk.models import Level

pytestmark = pytest.mark.django_db

KPIS, TREND = "/api/v1/kpis/", "/api/v1/kpis/trend/"


@pytest.fixture(autouse=True)
def _mid_april() -> Any:
    with time_machine.travel(APRIL_15, tick=False):
        yield


@pytest.fixture
def march(world: World) -> BusinessService:
    """Client A: two P1 tickets resolved in March, one still open; client B: one ticket."""
    tech, a = world.tech_a, world.client_a
    till = BusinessService.objects.create(organization=a, name="Caisse")
    first = open_ticket(world.requester_a, a, "2026-03-02 08:00", impact=Level.HIGH, urgency=Level.HIGH)
    answer(first, tech, "2026-03-02 08:15")  # 900 s
    resolve(first, tech, "2026-03-02 10:00")  # 7,200 s
    clocks(first, response_met=True, response_elapsed_seconds=900, resolution_met=True, resolution_elapsed_seconds=7200)
    survey(first, rating=5, answered="2026-03-02 12:00")
    outage(first, till, "2026-03-02 08:00", "2026-03-02 09:00")  # 3,600 s
    second = open_ticket(tech, a, "2026-03-09 08:00", impact=Level.HIGH, urgency=Level.HIGH, channel="phone")
    answer(second, tech, "2026-03-09 08:45")  # 2,700 s
    resolve(second, tech, "2026-03-09 14:00")  # 21,600 s
    clocks(second, response_met=False, response_elapsed_seconds=2700, resolution_met=False, resolution_elapsed_seconds=21600)
    survey(second, rating=3, answered="2026-03-10 12:00")
    open_ticket(tech, a, "2026-03-30 22:00")  # open at the end of March: 1 day old → 1-7d
    other = open_ticket(world.tech_b, world.client_b, "2026-03-03 08:00")
    answer(other, world.tech_b, "2026-03-03 18:00")
    return till


def test_the_report_reads_as_documented(world: World, march: BusinessService) -> None:
    response = api_as(world.tech_a).get(KPIS, {"month": "2026-03"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    body = response.json()
    # Dates in the caller's time zone (Europe/Paris by default).
    assert body["filter"] == {
        "start": "2026-03-01T00:00:00+01:00",
        "end": "2026-04-01T00:00:00+02:00",
        "organizations": None,
        "service": None,
        "group": None,
        "assignee": None,
        "priority": None,
        "type": None,
    }
    assert body["as_of"] == "2026-04-01T00:00:00+02:00"
    assert body["opened"] == 3
    assert body["opened_by_type"] == {"incident": 3, "request": 0}
    assert body["opened_by_channel"]["phone"] == 1
    assert body["opened_by_category"] == [{"category": "", "count": 3}]
    assert body["resolved"] == 2
    # MTTA: [900, 2700] → mean 1,800; median 1,800; P90 at 0.9: 900 + 0.9 × 1,800 = 2,520.
    assert body["mtta"]["calendar"] == {"count": 2, "mean": 1800.0, "median": 1800.0, "p90": pytest.approx(2520.0)}
    assert body["mtta"]["business"]["mean"] == 1800.0
    # MTTR: [7200, 21600] → mean 14,400; median 14,400; P90: 7200 + 0.9 × 14,400 = 20,160.
    assert body["mttr"]["calendar"] == {"count": 2, "mean": 14400.0, "median": 14400.0, "p90": pytest.approx(20160.0)}
    assert body["first_contact_resolution"] == {"met": 2, "total": 2, "rate": 1.0}
    assert body["response_compliance"]["met"] == 1 and body["response_compliance"]["rate"] == 0.5
    assert body["response_compliance"]["by_priority"][0] == {
        "priority": 1,
        "priority_label": "P1 – Critical",
        "met": 1,
        "total": 2,
        "rate": 0.5,
    }
    assert body["response_compliance"]["by_priority"][1]["rate"] is None  # no P2: null, not 0
    assert body["resolution_compliance"]["met"] == 1
    assert body["backlog"] == {"count": 1, "age_buckets": {"<1d": 0, "1-7d": 1, "7-30d": 0, ">30d": 0}, "mean_age": 86400.0}
    assert body["reopen_rate"] == {"met": 0, "total": 2, "rate": 0.0}
    assert body["reassignments_mean"] == 0.0
    assert body["csat"] == {"met": 1, "total": 2, "rate": 0.5, "mean_rating": 4.0}
    [till] = body["availability"]
    assert till == {
        "service": march.pk,
        "service_name": "Caisse",
        "organization": world.client_a.pk,
        "outage_seconds": 3600,
        "period_seconds": 743 * 3600,
        "incidents": 1,
        "rate": pytest.approx(1 - 3600 / (743 * 3600)),
    }


def test_the_api_gives_the_figures_of_compute(world: World, march: BusinessService) -> None:
    """What the dashboards and the review show (``compute``) is what the API answers."""
    body = api_as(world.manager_a).get(KPIS, {"month": "2026-03"}).json()
    with timezone.override(PARIS):
        expected = KpiReportSerializer(report_data(compute(world.manager_a, MARCH))).data
    assert body == json.loads(json.dumps(expected, cls=JSONEncoder))


def test_a_client_gets_only_its_company_and_another_company_is_unknown(world: World, march: BusinessService) -> None:
    assert api_as(world.manager_b).get(KPIS, {"month": "2026-03"}).json()["opened"] == 1
    assert api_as(world.manager_b).get(KPIS, {"month": "2026-03"}).json()["availability"] == []
    assert api_as(world.requester_a).get(KPIS, {"month": "2026-03"}).json()["opened"] == 1  # the one they opened
    assert api_as(world.requester_a2).get(KPIS, {"month": "2026-03"}).json()["opened"] == 0
    manager = api_as(world.manager_a)
    assert manager.get(KPIS, {"month": "2026-03", "organization": "martin"}).json()["opened"] == 3
    # Client B by short name, by id, and an id that never existed: the same 400 on "organization".
    answers = [manager.get(KPIS, {"month": "2026-03", "organization": value}) for value in ("lefevre", world.client_b.pk, 999999)]
    assert [r.status_code for r in answers] == [400, 400, 400]
    messages = [error_fields(r)["organization"][0] for r in answers]
    assert messages[0] == messages[2].replace("999999", "lefevre")
    assert messages[1] == messages[2].replace("999999", str(world.client_b.pk))
    assert world.client_b.name not in str([r.content for r in answers])
    # The same for the trend.
    assert api_as(world.tech_a).get(TREND, {"organization": "lefevre"}).status_code == 400


def test_bad_parameters_are_400_naming_each_parameter(world: World) -> None:
    client = api_as(world.tech_a)
    response = client.get(KPIS, {"month": "2026-13", "priority": "0", "type": "problem", "organisation": "martin"})
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid" and body["status"] == 400
    assert set(error_fields(response)) == {"organisation"}  # unknown parameters first
    response = client.get(KPIS, {"month": "2026-13", "priority": "0", "type": "problem", "group": "abc"})
    assert set(error_fields(response)) == {"month", "priority", "type", "group"}
    assert set(error_fields(client.get(KPIS, {"start": "2026-03-10", "end": "2026-03-01"}))) == {"end"}
    assert set(error_fields(client.get(KPIS, {"end": "2026-03-01"}))) == {"start"}
    assert set(error_fields(client.get(TREND, {"months": "0"}))) == {"months"}
    assert set(error_fields(client.get(TREND, {"months": "12", "colour": "red"}))) == {"colour"}
    assert client.get(KPIS, {"format": "json"}).status_code == 200


def test_errors_come_in_the_callers_language(world: World) -> None:
    response = api_as(world.tech_a).get(KPIS, {"priority": "9"}, HTTP_ACCEPT_LANGUAGE="en")
    assert error_fields(response)["priority"] == ["Use a priority from 1 (critical) to 5 (planning)."]


def test_the_monthly_trend(world: World, march: BusinessService) -> None:
    response = api_as(world.manager_a).get(TREND, {"month": "2026-03", "months": "3"})
    assert response.status_code == 200, response.content
    months = response.json()["months"]
    assert [m["month_start"] for m in months] == [
        "2026-01-01T00:00:00+01:00",
        "2026-02-01T00:00:00+01:00",
        "2026-03-01T00:00:00+01:00",
    ]
    assert months[0] == {
        "month_start": "2026-01-01T00:00:00+01:00",
        "opened": 0,
        "resolved": 0,
        "mttr_business_mean": None,
        "mttr_calendar_mean": None,
        "resolution_compliance": {"met": 0, "total": 0, "rate": None},
    }
    # March: resolved [7200, 21600] in business time too → 14,400; one of two resolutions met.
    assert (months[2]["opened"], months[2]["resolved"], months[2]["mttr_business_mean"]) == (3, 2, 14400.0)
    assert months[2]["resolution_compliance"] == {"met": 1, "total": 2, "rate": 0.5}
    # Twelve months by default, ending with the current month (April 2026).
    default = api_as(world.manager_a).get(TREND).json()["months"]
    assert len(default) == 12 and default[-1]["month_start"] == "2026-04-01T00:00:00+02:00"


def test_session_and_token_auth(world: World, march: BusinessService, login: Any) -> None:
    browser: Client = login(world.manager_a)
    assert browser.get(KPIS, {"month": "2026-03"}).json()["opened"] == 3
    assert APIClient().get(KPIS).status_code == 401
    assert APIClient().get(TREND).status_code == 401


def test_the_schema_documents_both_endpoints(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    report = schema["paths"]["/api/v1/kpis/"]["get"]
    assert {p["name"] for p in report["parameters"]} >= {
        "month",
        "start",
        "end",
        "organization",
        "service",
        "group",
        "assignee",
        "priority",
        "type",
    }
    assert report["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/KpiReport"}
    assert report["responses"]["400"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    trend = schema["paths"]["/api/v1/kpis/trend/"]["get"]
    assert "months" in {p["name"] for p in trend["parameters"]}
    assert set(schema["components"]["schemas"]["KpiReport"]["properties"]) >= {"mtta", "mttr", "backlog", "csat", "availability"}
