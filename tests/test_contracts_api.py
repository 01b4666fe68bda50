"""The contracts API: CRUD through the services, filters, a write-only licence key read only
through the recorded reveal action, and the tenant boundary."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World, make_user
from tests.test_api_support import api_as, error_fields, results
from vigie.catalog import services as catalog_services
from vigie.contracts.models import Contract, Licence, LicenceKeyReveal
from vigie.tenancy.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier_id(world: World) -> int:
    response = api_as(world.admin).post(
        "/api/v1/suppliers/",
        {"organization": world.client_a.pk, "name": "OVHcloud", "kind": "hosting", "support_url": "https://help.ovhcloud.com"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def test_contract_crud_and_computed_fields(world: World, supplier_id: int) -> None:
    admin = api_as(world.admin)
    service = catalog_services.create_service(by=world.admin, organization=world.client_a, name="Site web")
    payload: dict[str, Any] = {
        "organization": world.client_a.pk,
        "supplier": supplier_id,
        "title": "VPS de production",
        "kind": "hosting",
        "start_date": "2025-01-01",
        "end_date": "2026-01-01",
        "renewal": "tacit",
        "renewal_months": 12,
        "notice_days": 30,
        "cost_amount": "25.00",
        "cost_period": "monthly",
        "services": [service.pk],
    }
    response = admin.post("/api/v1/contracts/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["notice_deadline"] == "2025-12-02" and body["yearly_cost"] == "300.00" and body["currency"] == "EUR"
    assert body["services"] == [service.pk] and body["status"] in ("active", "expiring", "expired")
    pk = body["id"]
    patched = admin.patch(f"/api/v1/contracts/{pk}/", {"notice_days": 60}, format="json").json()
    assert patched["notice_deadline"] == "2025-11-02" and patched["services"] == [service.pk]
    bad = admin.patch(f"/api/v1/contracts/{pk}/", {"end_date": "2024-01-01", "currency": "ZZZ"}, format="json")
    assert bad.status_code == 400 and {"end_date", "currency"} <= set(error_fields(bad))
    assert admin.patch(f"/api/v1/contracts/{pk}/", {"organization": world.client_b.pk}, format="json").status_code == 400
    assert [c["id"] for c in results(admin.get("/api/v1/contracts/", {"supplier": supplier_id}))] == [pk]
    assert results(admin.get("/api/v1/contracts/", {"status": "terminated"})) == []
    assert admin.delete(f"/api/v1/contracts/{pk}/").status_code == 204
    assert not Contract.objects.exists()


def test_licence_key_is_write_only_and_revealed_on_record(world: World) -> None:
    admin = api_as(world.admin)
    response = admin.post(
        "/api/v1/licences/",
        {
            "organization": world.client_a.pk,
            "software": "Microsoft 365",
            "kind": "subscription",
            "seats_purchased": 1,
            "users": [world.manager_a.pk, world.it_contact_a.pk],
            "key": "M365-TENANT-SECRET",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert "key" not in body and body["has_key"] is True
    assert body["seats_used"] == 2 and body["seats_available"] == -1 and body["is_over_allocated"] is True
    pk = body["id"]
    listing = admin.get("/api/v1/licences/", {"over_allocated": "true"})
    assert b"M365-TENANT-SECRET" not in listing.content and len(results(listing)) == 1
    assert b"M365-TENANT-SECRET" not in admin.get(f"/api/v1/licences/{pk}/").content
    it_contact = api_as(world.it_contact_a)
    revealed = it_contact.post(f"/api/v1/licences/{pk}/reveal/", {}, format="json")
    assert revealed.status_code == 200 and revealed.json() == {"key": "M365-TENANT-SECRET"}
    assert LicenceKeyReveal.objects.get().by == world.it_contact_a
    assert api_as(world.requester_a).post(f"/api/v1/licences/{pk}/reveal/", {}, format="json").status_code == 404
    assert api_as(world.tech_b).post(f"/api/v1/licences/{pk}/reveal/", {}, format="json").status_code == 404
    assert LicenceKeyReveal.objects.count() == 1
    # The client reads, never writes.
    assert it_contact.patch(f"/api/v1/licences/{pk}/", {"seats_purchased": 9}, format="json").status_code == 403
    assert admin.patch(f"/api/v1/licences/{pk}/", {"key": ""}, format="json").json()["has_key"] is False
    assert Licence.objects.get(pk=pk).key == ""


def test_who_writes(world: World, supplier_id: int) -> None:
    owner = make_user("sonia.owner@durand.test", world.provider, Role.SERVICE_OWNER)
    world.group_a.members.add(owner)
    payload = {"organization": world.client_a.pk, "name": "Maintenance Lyonnaise"}
    assert api_as(owner).post("/api/v1/suppliers/", payload, format="json").status_code == 201
    assert api_as(world.tech_a).post("/api/v1/suppliers/", {**payload, "name": "X"}, format="json").status_code == 403
    assert api_as(world.manager_a).post("/api/v1/suppliers/", {**payload, "name": "Y"}, format="json").status_code == 403
    # Another client's supplier reads "does not exist" in a contract of client A.
    other = api_as(world.admin).post("/api/v1/suppliers/", {"organization": world.client_b.pk, "name": "Orange"}, format="json")
    response = api_as(world.admin).post(
        "/api/v1/contracts/",
        {"organization": world.client_a.pk, "supplier": other.json()["id"], "title": "x", "start_date": "2025-01-01"},
        format="json",
    )
    assert response.status_code == 400 and "supplier" in error_fields(response)
    unknown = api_as(world.admin).post("/api/v1/suppliers/", {**payload, "name": "Z", "colour": "red"}, format="json")
    assert unknown.status_code == 400 and "colour" in error_fields(unknown)
