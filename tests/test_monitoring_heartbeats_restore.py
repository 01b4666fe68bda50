"""Restore tests of backup checks: the service and the status it gives, the staff form (the
partial and its POST view, htmx or not), and the API, with tenant isolation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.utils import timezone

from tests.test_api_support import api_as
from vigie.monitoring.checks import create_check
from vigie.monitoring.heartbeats.restore import record_restore_test, restore_status
from vigie.monitoring.models import Check, RestoreTest

pytestmark = pytest.mark.django_db


def backup_of(world: Any, organization: Any = None, **fields: Any) -> Check:
    fields.setdefault("name", "Sauvegarde Veeam")
    fields.setdefault("is_backup", True)
    return create_check(by=world.admin, organization=organization or world.client_a, kind="heartbeat", **fields)


# --------------------------------------------------------------------------- service and status


def test_status_untested_ok_failed_stale(world, settings):
    check = backup_of(world)
    today = timezone.localdate()
    assert restore_status(check) == (None, "untested")
    old = record_restore_test(
        check, by=world.tech_a, performed_on=today - timedelta(days=200), result="success", evidence="VM restaurée"
    )
    assert restore_status(check) == (old, "stale")
    settings.VIGIE_RESTORE_TEST_MAX_AGE_DAYS = 365
    assert restore_status(check)[1] == "ok"
    settings.VIGIE_RESTORE_TEST_MAX_AGE_DAYS = 180
    failed = record_restore_test(check, by=world.tech_a, performed_on=today - timedelta(days=10), result="failed")
    assert restore_status(check) == (failed, "failed")
    partial = record_restore_test(check, by=world.admin, performed_on=today - timedelta(days=5), result="partial")
    assert restore_status(check) == (partial, "failed")
    good = record_restore_test(check, by=world.admin, performed_on=today, result="success", evidence="Fichiers comparés")
    last, status = restore_status(check)
    assert (last, status) == (good, "ok") and last is not None and last.performed_by == world.admin
    assert restore_status(check, today=today + timedelta(days=181))[1] == "stale"


def test_only_staff_serving_the_client_record_and_only_on_backups(world):
    check = backup_of(world)
    today = timezone.localdate()
    for outsider in (world.tech_b, world.manager_a, world.requester_a):
        with pytest.raises(PermissionDenied):
            record_restore_test(check, by=outsider, performed_on=today, result="success")
    plain = backup_of(world, name="Tâche planifiée", is_backup=False)
    with pytest.raises(ValidationError) as raised:
        record_restore_test(plain, by=world.tech_a, performed_on=today, result="success")
    assert "backup" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        record_restore_test(check, by=world.tech_a, performed_on=today + timedelta(days=1), result="bof")
    assert set(raised.value.message_dict) == {"performed_on", "result"}
    assert not RestoreTest.objects.exists()


# --------------------------------------------------------------------------- the partial and the form


def render_partial(user: Any, check: Check) -> str:
    request = RequestFactory().get(f"/desk/monitoring/checks/{check.pk}/")
    request.user = user
    template = Template('{% include "monitoring/partials/_restore_tests.html" %}')
    return template.render(RequestContext(request, {"check": check}))


def test_the_partial_works_with_only_the_check(world):
    check = backup_of(world)
    html = render_partial(world.tech_a, check)
    assert 'data-restore-status="untested"' in html and f"/desk/monitoring/checks/{check.pk}/restore-tests/new/" in html
    record_restore_test(
        check, by=world.tech_a, performed_on=date(2026, 1, 5), result="success", evidence="Base SQL restaurée MARQUEUR-1"
    )
    html = render_partial(world.manager_a, check)  # the client's manager reads, without the form
    assert "MARQUEUR-1" in html and "restore-tests/new/" not in html
    assert (
        Template('{% include "monitoring/partials/_restore_tests.html" %}')
        .render(Context({"check": backup_of(world, is_backup=False, name="x")}))
        .strip()
        == ""
    )


def test_staff_record_a_restore_test_from_the_form(world, login):
    check = backup_of(world)
    client = login(world.tech_a)
    url = f"/desk/monitoring/checks/{check.pk}/restore-tests/new/"
    back = f"/desk/monitoring/checks/{check.pk}/"
    response = client.post(
        url, {"performed_on": "2026-02-03", "result": "success", "evidence": "VM de test démarrée", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    test = RestoreTest.objects.get()
    assert (test.backup, test.performed_on, test.result, test.performed_by) == (check, date(2026, 2, 3), "success", world.tech_a)
    # An outside address in "next" is not followed.
    response = client.post(url, {"performed_on": "2026-02-04", "result": "failed", "next": "https://ailleurs.test/"})
    assert response["Location"] == "/desk/monitoring/"
    # htmx: the partial comes back, with the errors of a bad form and nothing written.
    response = client.post(url, {"performed_on": "", "result": "success"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'id="restore-tests"' in response.content and b"field--error" in response.content
    assert RestoreTest.objects.count() == 2
    response = client.post(url, {"performed_on": "2026-02-05", "result": "partial", "next": back}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'data-restore-status="failed"' in response.content
    assert client.get(url).status_code == 405


def test_the_form_is_404_to_anyone_else(world, login):
    check = backup_of(world)
    plain = backup_of(world, is_backup=False, name="Tâche")
    data = {"performed_on": "2026-02-03", "result": "success"}
    for user in (world.tech_b, world.manager_a, world.requester_a):
        assert login(user).post(f"/desk/monitoring/checks/{check.pk}/restore-tests/new/", data).status_code == 404
    assert login(world.tech_a).post(f"/desk/monitoring/checks/{plain.pk}/restore-tests/new/", data).status_code == 404
    assert not RestoreTest.objects.exists()


# --------------------------------------------------------------------------- API


def test_api_create_list_and_filter(world):
    check = backup_of(world)
    other = backup_of(world, name="Sauvegarde messagerie")
    api = api_as(world.tech_a)
    response = api.post(
        "/api/v1/restore-tests/",
        {"backup": check.pk, "performed_on": "2026-03-01", "result": "success", "evidence": "OK"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["backup"] == check.pk and body["check_name"] == "Sauvegarde Veeam" and body["performed_by"]["id"] == world.tech_a.pk
    )
    assert response["Location"] == f"/api/v1/restore-tests/{body['id']}/"
    api.post("/api/v1/restore-tests/", {"backup": other.pk, "performed_on": "2026-03-02", "result": "failed"}, format="json")
    assert api.get("/api/v1/restore-tests/").json()["count"] == 2
    listed = api.get("/api/v1/restore-tests/", {"check": check.pk}).json()
    assert [row["backup"] for row in listed["results"]] == [check.pk]
    assert api_as(world.manager_a).get(f"/api/v1/restore-tests/{body['id']}/").status_code == 200
    refused = api_as(world.manager_a).post(
        "/api/v1/restore-tests/", {"backup": check.pk, "performed_on": "2026-03-01", "result": "success"}, format="json"
    )
    assert refused.status_code == 403
    bad = api.post(
        "/api/v1/restore-tests/", {"backup": check.pk, "performed_on": "2099-01-01", "result": "success", "x": 1}, format="json"
    )
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"x"}
    future = api.post(
        "/api/v1/restore-tests/", {"backup": check.pk, "performed_on": "2099-01-01", "result": "success"}, format="json"
    )
    assert future.status_code == 400 and "performed_on" in future.json()["error"]["fields"]


def test_api_isolation(world):
    check = backup_of(world)
    test = record_restore_test(
        check, by=world.tech_a, performed_on=date(2026, 1, 2), result="success", evidence="SECRET-RESTAURATION"
    )
    for outsider in (world.tech_b, world.manager_b, world.requester_b, world.requester_a2):
        api = api_as(outsider)
        assert api.get(f"/api/v1/restore-tests/{test.pk}/").status_code == 404
        listing = api.get("/api/v1/restore-tests/", {"check": check.pk})
        assert listing.status_code == 200 and listing.json()["count"] == 0 and "SECRET" not in listing.content.decode()
        created = api.post(
            "/api/v1/restore-tests/", {"backup": check.pk, "performed_on": "2026-01-03", "result": "failed"}, format="json"
        )
        assert created.status_code == 400 and "backup" in created.json()["error"]["fields"]
    assert RestoreTest.objects.count() == 1
