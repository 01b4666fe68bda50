"""The staff pages of suppliers, contracts and licences, the key reveal, the upcoming view and the
portal list of a client's contracts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import World
from vigie.contracts import services
from vigie.contracts.models import Contract, Licence, LicenceKeyReveal, Supplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world: World) -> dict[str, Any]:
    today = timezone.localdate()
    supplier = services.create_supplier(by=world.admin, organization=world.client_a, name="Orange Business", kind="telecom")
    contract = services.create_contract(
        by=world.admin,
        organization=world.client_a,
        supplier=supplier,
        title="Fibre du fournil",
        start_date=today - timedelta(days=300),
        end_date=today + timedelta(days=40),
        renewal="tacit",
        renewal_months=12,
        notice_days=30,
    )
    licence = services.create_licence(
        by=world.admin,
        organization=world.client_a,
        software="Sage Paie",
        seats_purchased=1,
        expiry_date=today + timedelta(days=20),
        users=[world.manager_a, world.it_contact_a],
        key="SAGE-KEY-4242",
    )
    return {"supplier": supplier, "contract": contract, "licence": licence}


def test_lists_and_filters(world: World, login: Any, records: dict[str, Any]) -> None:
    client = login(world.tech_a)
    page = client.get("/desk/contracts/")
    assert page.status_code == 200 and "Fibre du fournil" in page.content.decode()
    assert "Fibre du fournil" in client.get("/desk/contracts/", {"status": "expiring"}).content.decode()
    assert "Fibre du fournil" not in client.get("/desk/contracts/", {"status": "expired"}).content.decode()
    assert "Fibre du fournil" not in client.get("/desk/contracts/", {"within": "5"}).content.decode()
    assert "Fibre du fournil" in client.get("/desk/contracts/", {"within": "15"}).content.decode()  # notice in 10 days
    assert "Sage Paie" in client.get("/desk/contracts/licences/", {"over": "1"}).content.decode()
    assert "Orange Business" in client.get("/desk/contracts/suppliers/", {"kind": "telecom"}).content.decode()
    upcoming = client.get("/desk/contracts/upcoming/", {"days": "30"}).content.decode()
    assert "Fibre du fournil" in upcoming and "Sage Paie" in upcoming
    # Technician B does not serve client A: nothing of it in the lists.
    other = login(world.tech_b)
    assert "Fibre du fournil" not in other.get("/desk/contracts/").content.decode()
    assert other.get(f"/desk/contracts/{records['contract'].pk}/").status_code == 404


def test_detail_pages_never_show_the_key(world: World, login: Any, records: dict[str, Any]) -> None:
    client = login(world.tech_a)
    for url in (
        f"/desk/contracts/{records['contract'].pk}/",
        f"/desk/contracts/suppliers/{records['supplier'].pk}/",
        f"/desk/contracts/licences/{records['licence'].pk}/",
        f"/desk/contracts/licences/{records['licence'].pk}/edit/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 403), url
        assert b"SAGE-KEY-4242" not in response.content, url


def test_reveal_is_a_recorded_post(world: World, login: Any, records: dict[str, Any]) -> None:
    client = login(world.tech_a)
    url = f"/desk/contracts/licences/{records['licence'].pk}/reveal/"
    assert client.get(url).status_code == 405
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"SAGE-KEY-4242" in response.content
    assert b"<html" not in response.content  # the htmx fragment
    assert LicenceKeyReveal.objects.get().by == world.tech_a
    assert b"SAGE-KEY-4242" in client.post(url).content  # without htmx, a whole page


def test_admin_creates_and_edits_with_clear_errors(world: World, login: Any, records: dict[str, Any]) -> None:
    client = login(world.admin)
    url = f"/desk/contracts/new/?organization={world.client_a.pk}"
    assert client.get(url).status_code == 200
    bad = {
        "title": "Maintenance imprimantes",
        "supplier": records["supplier"].pk,
        "kind": "support",
        "start_date": "2025-06-01",
        "end_date": "2025-05-01",
        "renewal": "tacit",
        "notice_days": "0",
        "currency": "EUR",
        "cost_period": "yearly",
    }
    response = client.post(url, bad)
    assert response.status_code == 422
    text = response.content.decode()
    assert "The end must come after the start." in text or "La fin doit" in text
    assert not Contract.objects.filter(title="Maintenance imprimantes").exists()
    good = {**bad, "end_date": "2026-06-01", "renewal_months": "12", "cost_amount": "1200", "notice_days": "60"}
    response = client.post(url, good)
    assert response.status_code == 302
    created = Contract.objects.get(title="Maintenance imprimantes")
    assert str(created.notice_deadline) == "2026-04-02"
    edit = client.post(f"/desk/contracts/{created.pk}/edit/", {**good, "title": "Maintenance copieurs"})
    assert edit.status_code == 302
    created.refresh_from_db()
    assert created.title == "Maintenance copieurs"


def test_licence_form_keeps_the_key_unless_replaced(world: World, login: Any, records: dict[str, Any]) -> None:
    client = login(world.admin)
    licence = records["licence"]
    data = {"software": "Sage Paie", "kind": "per_seat", "seats_purchased": "3", "users": [world.manager_a.pk]}
    response = client.post(f"/desk/contracts/licences/{licence.pk}/edit/", data)
    assert response.status_code == 302
    licence = Licence.objects.get(pk=licence.pk)
    assert licence.key == "SAGE-KEY-4242" and licence.seats_used == 1
    client.post(f"/desk/contracts/licences/{licence.pk}/edit/", {**data, "key": "NEW-KEY"})
    assert Licence.objects.get(pk=licence.pk).key == "NEW-KEY"
    client.post(f"/desk/contracts/licences/{licence.pk}/edit/", {**data, "remove_key": "on"})
    assert Licence.objects.get(pk=licence.pk).key == ""


def test_technicians_read_but_do_not_change(world: World, login: Any, records: dict[str, Any]) -> None:
    client = login(world.tech_a)
    contract = records["contract"]
    assert client.get(f"/desk/contracts/{contract.pk}/").status_code == 200
    assert client.get(f"/desk/contracts/{contract.pk}/edit/").status_code == 403
    assert client.post(f"/desk/contracts/{contract.pk}/delete/").status_code == 403
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_delete_supplier_in_use_explains(world: World, login: Any, records: dict[str, Any]) -> None:
    client = login(world.admin)
    supplier = records["supplier"]
    response = client.post(f"/desk/contracts/suppliers/{supplier.pk}/delete/")
    assert response.status_code == 422 and "Orange Business" in response.content.decode()
    assert Supplier.objects.filter(pk=supplier.pk).exists()


def test_portal_lists_the_own_companys_contracts(world: World, login: Any, records: dict[str, Any]) -> None:
    page = login(world.manager_a).get("/portal/contracts/")
    assert page.status_code == 200 and "Fibre du fournil" in page.content.decode()
    assert b"SAGE-KEY-4242" not in page.content
    assert login(world.manager_b).get("/portal/contracts/").content.count(b"Fibre du fournil") == 0
    assert login(world.requester_a).get("/portal/contracts/").status_code == 404
    assert login(world.tech_a).get("/portal/contracts/").status_code == 404
