"""Organisations, sites, users, groups, categories, the priority matrix and the caller's tokens."""

from __future__ import annotations

import pytest

from tests.conftest import World
from tests.test_api_support import api_as, error_fields, results, ticket_of
from vigie.accounts.models import User
from vigie.core.models import AuditEntry
from vigie.servicedesk.models import Category, Level, PriorityMatrixCell
from vigie.tenancy.models import Membership, Organization, Role, Site, TechnicianGroup

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    return {item["id"] for item in results(response)}


# Organisations


def test_organizations_visible_to_each_kind_of_user(world: World) -> None:
    assert ids(api_as(world.admin).get("/api/v1/organizations/")) == {
        world.provider.pk,
        world.client_a.pk,
        world.client_b.pk,
    }
    assert ids(api_as(world.tech_a).get("/api/v1/organizations/")) == {world.provider.pk, world.client_a.pk}
    assert ids(api_as(world.requester_a).get("/api/v1/organizations/")) == {world.client_a.pk}


def test_admin_creates_and_changes_a_client(world: World) -> None:
    client = api_as(world.admin)
    response = client.post(
        "/api/v1/organizations/",
        {
            "name": "Garage Petit",
            "slug": "petit",
            "support_email": "Support-Petit@vigie.test",
            "email_domains": "petit.test, @garage-petit.test",
            "unknown_sender_policy": "reject",
            "mfa_required": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = Organization.objects.get(slug="petit")
    assert created.kind == "client" and created.support_email == "support-petit@vigie.test"
    assert created.domain_list() == ["petit.test", "garage-petit.test"]
    assert AuditEntry.objects.filter(model="tenancy.organization", object_id=str(created.pk), actor=world.admin).exists()
    response = client.patch(f"/api/v1/organizations/{created.pk}/", {"mfa_required": False}, format="json")
    assert response.status_code == 200 and response.json()["mfa_required"] is False
    response = client.post(
        "/api/v1/organizations/",
        {"name": "Doublon", "slug": "petit", "support_email": "support-martin@vigie.test"},
        format="json",
    )
    assert response.status_code == 400 and {"slug", "support_email"} <= set(error_fields(response))
    response = client.patch(f"/api/v1/organizations/{world.provider.pk}/", {"name": "X"}, format="json")
    assert response.status_code == 403


def test_only_admins_change_organizations(world: World) -> None:
    response = api_as(world.tech_a).post("/api/v1/organizations/", {"name": "X", "slug": "x"}, format="json")
    assert response.status_code == 403
    response = api_as(world.manager_a).patch(f"/api/v1/organizations/{world.client_a.pk}/", {"name": "X"}, format="json")
    assert response.status_code == 403
    world.client_a.refresh_from_db()
    assert world.client_a.name == "Boulangerie Martin"


# Sites


def test_sites_read_by_members_written_by_admin(world: World) -> None:
    Site.objects.create(organization=world.client_b, name="Siège")
    assert ids(api_as(world.requester_a).get("/api/v1/sites/")) == {world.site_a.pk}
    admin = api_as(world.admin)
    response = admin.post(
        "/api/v1/sites/", {"organization": world.client_a.pk, "name": "Boutique", "city": "Lyon", "country": "fr"}, format="json"
    )
    assert response.status_code == 201, response.content
    site_id = response.json()["id"]
    assert response.json()["country"] == "FR"
    response = admin.post("/api/v1/sites/", {"organization": world.client_a.pk, "name": "boutique"}, format="json")
    assert response.status_code == 400 and "name" in error_fields(response)
    assert admin.patch(f"/api/v1/sites/{site_id}/", {"city": "Villeurbanne"}, format="json").json()["city"] == "Villeurbanne"
    response = api_as(world.manager_a).post("/api/v1/sites/", {"organization": world.client_a.pk, "name": "X"}, format="json")
    assert response.status_code == 403
    assert api_as(world.manager_a).delete(f"/api/v1/sites/{site_id}/").status_code == 403
    assert admin.delete(f"/api/v1/sites/{site_id}/").status_code == 204
    assert not Site.objects.filter(pk=site_id).exists()


# Users


def test_users_visible_to_each_kind_of_user(world: World) -> None:
    provider_staff = {world.admin.pk, world.tech_a.pk, world.tech_b.pk}
    company_a = {world.manager_a.pk, world.it_contact_a.pk, world.requester_a.pk, world.requester_a2.pk}
    company_b = {world.manager_b.pk, world.requester_b.pk}
    assert ids(api_as(world.admin).get("/api/v1/users/")) == provider_staff | company_a | company_b
    assert ids(api_as(world.tech_a).get("/api/v1/users/")) == provider_staff | company_a
    assert ids(api_as(world.it_contact_a).get("/api/v1/users/")) == company_a
    assert ids(api_as(world.requester_a).get("/api/v1/users/")) == {world.requester_a.pk}


def test_user_filters_and_memberships(world: World) -> None:
    client = api_as(world.tech_a)
    listed = results(client.get("/api/v1/users/", {"organization": world.client_a.pk, "role": "requester"}))
    assert {u["id"] for u in listed} == {world.requester_a.pk, world.requester_a2.pk}
    assert listed[0]["memberships"][0]["organization"]["id"] == world.client_a.pk
    assert ids(client.get("/api/v1/users/", {"search": "rose"})) == {world.requester_a.pk}
    response = client.get("/api/v1/users/", {"organization": world.client_b.pk})
    assert response.status_code == 400 and "organization" in error_fields(response)


def test_admin_creates_a_user_with_a_membership(world: World) -> None:
    admin = api_as(world.admin)
    payload = {
        "email": "Nina.Nouvelle@martin.test",
        "first_name": "Nina",
        "last_name": "Nouvelle",
        "organization": world.client_a.pk,
        "role": Role.IT_CONTACT,
        "site": world.site_a.pk,
        "language": "en",
        "time_zone": "Europe/Paris",
    }
    response = admin.post("/api/v1/users/", payload, format="json")
    assert response.status_code == 201, response.content
    user = User.objects.get(email="nina.nouvelle@martin.test")
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role, membership.site) == (world.client_a, Role.IT_CONTACT, world.site_a)
    assert response.json()["memberships"][0]["role"] == Role.IT_CONTACT
    response = admin.post("/api/v1/users/", payload, format="json")
    assert response.status_code == 400 and "email" in error_fields(response)
    response = admin.post(
        "/api/v1/users/", {**payload, "email": "x@martin.test", "role": Role.TECHNICIAN, "password": "1234"}, format="json"
    )
    assert response.status_code == 400 and {"role"} <= set(error_fields(response))
    response = admin.post(
        "/api/v1/users/",
        {
            **payload,
            "email": "y@durand.test",
            "organization": world.provider.pk,
            "role": Role.TECHNICIAN,
            "site": world.site_a.pk,
        },
        format="json",
    )
    assert response.status_code == 400 and "site" in error_fields(response)
    response = api_as(world.manager_a).post("/api/v1/users/", {**payload, "email": "z@martin.test"}, format="json")
    assert response.status_code == 403


def test_me_reads_and_updates_language_and_time_zone(world: World) -> None:
    client = api_as(world.requester_a)
    body = client.get("/api/v1/users/me/").json()
    assert body["email"] == world.requester_a.email
    assert body["memberships"][0]["role"] == Role.REQUESTER
    response = client.patch("/api/v1/users/me/", {"language": "en", "time_zone": "America/New_York"}, format="json")
    assert response.status_code == 200
    world.requester_a.refresh_from_db()
    assert (world.requester_a.language, world.requester_a.time_zone) == ("en", "America/New_York")
    for payload, field in [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"language": "xx"}, "language"),
        ({"email": "new@x.test"}, "email"),
        ({"is_active": False}, "is_active"),
    ]:
        response = client.patch("/api/v1/users/me/", payload, format="json")
        assert response.status_code == 400 and field in error_fields(response), payload


def test_admin_deactivates_a_user_others_cannot(world: World) -> None:
    response = api_as(world.manager_a).patch(f"/api/v1/users/{world.requester_a.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 403
    response = api_as(world.admin).patch(f"/api/v1/users/{world.requester_a.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200
    world.requester_a.refresh_from_db()
    assert not world.requester_a.is_active


# Groups


def test_groups_for_staff_only(world: World) -> None:
    listed = results(api_as(world.tech_a).get("/api/v1/groups/"))
    assert {g["name"] for g in listed} == {"Support Lyon", "Support Paris"}
    paris = next(g for g in listed if g["name"] == "Support Paris")
    assert paris["clients"] == []  # tech A does not serve client B: its id stays hidden
    assert api_as(world.manager_a).get("/api/v1/groups/").status_code == 403
    assert api_as(world.requester_a).get(f"/api/v1/groups/{world.group_a.pk}/").status_code == 403


def test_admin_manages_groups(world: World) -> None:
    admin = api_as(world.admin)
    response = admin.post(
        "/api/v1/groups/",
        {
            "name": "Réseau",
            "members": [world.tech_a.pk, world.tech_b.pk],
            "clients": [world.client_a.pk],
            "lead": world.tech_b.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    group = TechnicianGroup.objects.get(name="Réseau")
    assert set(group.members.all()) == {world.tech_a, world.tech_b} and list(group.clients.all()) == [world.client_a]
    response = admin.post("/api/v1/groups/", {"name": "réseau", "members": [world.requester_a.pk]}, format="json")
    assert response.status_code == 400 and {"name", "members"} <= set(error_fields(response))
    response = admin.patch(f"/api/v1/groups/{group.pk}/", {"clients": [world.client_a.pk, world.client_b.pk]}, format="json")
    assert response.status_code == 200 and sorted(response.json()["clients"]) == sorted([world.client_a.pk, world.client_b.pk])
    assert api_as(world.tech_a).patch(f"/api/v1/groups/{group.pk}/", {"name": "X"}, format="json").status_code == 403
    assert admin.delete(f"/api/v1/groups/{group.pk}/").status_code == 204


# Categories


def test_category_tree(world: World) -> None:
    admin = api_as(world.admin)
    hardware = admin.post("/api/v1/categories/", {"name": "Matériel"}, format="json").json()
    printers = admin.post("/api/v1/categories/", {"name": "Imprimantes", "parent": hardware["id"]}, format="json").json()
    assert printers["full_name"] == "Matériel › Imprimantes"
    response = admin.patch(f"/api/v1/categories/{hardware['id']}/", {"name": "Équipements"}, format="json")
    assert response.status_code == 200
    assert Category.objects.get(pk=printers["id"]).full_name == "Équipements › Imprimantes"
    response = admin.patch(f"/api/v1/categories/{hardware['id']}/", {"parent": printers["id"]}, format="json")
    assert response.status_code == 400 and "parent" in error_fields(response)
    response = admin.post("/api/v1/categories/", {"name": "imprimantes", "parent": hardware["id"]}, format="json")
    assert response.status_code == 400 and "name" in error_fields(response)
    ticket_of(world, category=Category.objects.get(pk=printers["id"]))
    # Everyone reads the categories in use; retired ones are for staff only.
    admin.patch(f"/api/v1/categories/{printers['id']}/", {"is_active": False}, format="json")
    assert ids(api_as(world.requester_a).get("/api/v1/categories/")) == {hardware["id"]}
    assert ids(api_as(world.tech_a).get("/api/v1/categories/")) == {hardware["id"], printers["id"]}
    assert api_as(world.tech_a).post("/api/v1/categories/", {"name": "X"}, format="json").status_code == 403
    # A category with subcategories or tickets is retired, not deleted.
    assert admin.delete(f"/api/v1/categories/{hardware['id']}/").status_code == 400
    assert admin.delete(f"/api/v1/categories/{printers['id']}/").status_code == 400
    leaf = admin.post("/api/v1/categories/", {"name": "Vide"}, format="json").json()
    assert admin.delete(f"/api/v1/categories/{leaf['id']}/").status_code == 204


# Priority matrix


def test_priority_matrix_read_by_all_changed_by_admin(world: World) -> None:
    cells = api_as(world.requester_a).get("/api/v1/priority-matrix/").json()
    assert len(cells) == 9
    low_low = next(c for c in cells if (c["impact"], c["urgency"]) == (Level.LOW, Level.LOW))
    assert low_low["priority"] == 5
    url = f"/api/v1/priority-matrix/{low_low['id']}/"
    assert api_as(world.tech_a).patch(url, {"priority": 4}, format="json").status_code == 403
    response = api_as(world.admin).patch(url, {"priority": 4}, format="json")
    assert response.status_code == 200 and response.json()["priority"] == 4
    assert PriorityMatrixCell.objects.get(pk=low_low["id"]).priority == 4
    ticket = ticket_of(world, impact=Level.LOW, urgency=Level.LOW)
    assert ticket.priority == 4
    for payload, field in [({"priority": 9}, "priority"), ({"impact": 1}, "impact")]:
        response = api_as(world.admin).patch(url, payload, format="json")
        assert response.status_code == 400 and field in error_fields(response)


def test_user_list_query_count_does_not_grow(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import make_user

    client = api_as(world.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/users/").status_code == 200
        return len(captured.captured_queries)

    queries()  # the first call stamps the token's last use
    few = queries()
    for number in range(10):
        make_user(f"extra{number}.person@martin.test", world.client_a, Role.REQUESTER)
    assert queries() == few
