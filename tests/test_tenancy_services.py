"""The write services for organisations, sites, groups, users and reference data, called directly."""

from __future__ import annotations

import pytest

from vigie.accounts import services as accounts_services
from vigie.core.models import AuditAction, AuditEntry
from vigie.servicedesk import services as servicedesk_services
from vigie.servicedesk import workflow
from vigie.servicedesk.models import Category, Level, Priority, PriorityMatrixCell
from vigie.tenancy import services
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Membership, OrganizationKind, Role, TechnicianGroup

pytestmark = pytest.mark.django_db


def test_creating_a_group_records_the_actor(world):
    group = services.create_group(
        by=world.admin, provider_id=world.provider.pk, name="Support Alpes", members=[world.tech_b], clients=[world.client_a]
    )
    assert group.organization_id == world.provider.pk
    assert set(group.members.all()) == {world.tech_b}
    assert set(group.clients.all()) == {world.client_a}
    entry = AuditEntry.objects.get(model="tenancy.techniciangroup", object_id=str(group.pk), action=AuditAction.CREATE)
    assert entry.actor == world.admin


def test_a_new_member_sees_the_groups_clients_at_once(world):
    assert access_for(world.tech_a).client_ids == {world.client_a.pk}  # cached on the object
    services.update_group(world.group_b, by=world.admin, members=[world.tech_a, world.tech_b])
    assert access_for(world.tech_a).client_ids == {world.client_a.pk, world.client_b.pk}


def test_updating_a_group_without_members_keeps_them(world):
    services.update_group(world.group_a, by=world.admin, name="Support Rhône")
    world.group_a.refresh_from_db()
    assert world.group_a.name == "Support Rhône"
    assert set(world.group_a.members.all()) == {world.tech_a}
    assert set(world.group_a.clients.all()) == {world.client_a}
    services.update_group(world.group_a, by=world.admin, clients=[])
    assert not TechnicianGroup.objects.filter(pk=world.group_a.pk, clients__isnull=False).exists()


def test_a_created_organisation_is_a_client(world):
    organization = services.create_client(by=world.admin, name="Garage Petit", slug="petit")
    assert organization.kind == OrganizationKind.CLIENT
    services.update_organization(organization, by=world.admin, mfa_required=True)
    entry = AuditEntry.objects.filter(model="tenancy.organization", object_id=str(organization.pk)).latest("id")
    assert entry.action == AuditAction.UPDATE and entry.actor == world.admin
    assert "mfa_required" in entry.changes


def test_sites_are_created_and_changed_as_the_actor(world):
    site = services.create_site(by=world.admin, organization=world.client_b, name="Siège", city="Paris")
    services.update_site(site, by=world.admin, city="Lyon")
    site.refresh_from_db()
    assert site.city == "Lyon"
    actors = set(AuditEntry.objects.filter(model="tenancy.site", object_id=str(site.pk)).values_list("actor", flat=True))
    assert actors == {world.admin.pk}


def test_create_member_creates_the_membership(world):
    user = accounts_services.create_member(
        by=world.admin, organization=world.client_a, role=Role.REQUESTER, site=world.site_a, email="new.one@martin.test"
    )
    assert Membership.objects.get(user=user).site == world.site_a
    assert not user.has_usable_password()  # set later with the reset link
    assert access_for(user).own_tickets_client_ids == {world.client_a.pk}
    accounts_services.update_user(user, by=world.admin, is_active=False)
    assert access_for(user).organization_ids == frozenset()


def test_renaming_a_category_renames_its_branch(world):
    parent = servicedesk_services.create_category(by=world.admin, name="Réseau")
    child = servicedesk_services.create_category(by=world.admin, name="Wi-Fi", parent=parent)
    servicedesk_services.update_category(parent, by=world.admin, name="Réseaux")
    child.refresh_from_db()
    assert child.full_name == "Réseaux › Wi-Fi"
    assert Category.objects.get(pk=parent.pk).full_name == "Réseaux"


def test_a_matrix_cell_decides_the_priority_of_new_tickets(world):
    cell = PriorityMatrixCell.objects.get(impact=Level.HIGH, urgency=Level.HIGH)
    servicedesk_services.set_matrix_priority(cell, by=world.admin, priority=Priority.P2)
    assert PriorityMatrixCell.objects.get(pk=cell.pk).priority == Priority.P2
    assert workflow.priority_for(Level.HIGH, Level.HIGH) == Priority.P2
