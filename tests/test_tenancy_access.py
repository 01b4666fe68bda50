"""The one visibility decision (vigie.tenancy.access) for every kind of user."""

from __future__ import annotations

import pytest

from tests.conftest import make_user
from vigie.tenancy.access import access_for, forget_access
from vigie.tenancy.models import Organization, Role

pytestmark = pytest.mark.django_db


def test_provider_admin_serves_every_client(world):
    access = access_for(world.admin)
    assert access.is_staff_member and access.is_admin
    assert access.company_wide_client_ids == {world.client_a.pk, world.client_b.pk}


def test_technician_serves_only_the_clients_of_their_groups(world):
    access = access_for(world.tech_a)
    assert access.is_staff_member and not access.is_admin
    assert access.client_ids == {world.client_a.pk}
    world.group_b.members.add(world.tech_a)
    forget_access(world.tech_a)
    assert access_for(world.tech_a).client_ids == {world.client_a.pk, world.client_b.pk}


def test_client_roles(world):
    manager = access_for(world.manager_a)
    requester = access_for(world.requester_a)
    assert not manager.is_staff_member and manager.company_wide_client_ids == {world.client_a.pk}
    assert requester.company_wide_client_ids == frozenset() and requester.own_tickets_client_ids == {world.client_a.pk}


def test_inactive_organisation_or_user_sees_nothing(world):
    Organization.objects.filter(pk=world.client_a.pk).update(is_active=False)
    assert access_for(world.manager_a).client_ids == frozenset()
    world.requester_b.is_active = False
    assert access_for(world.requester_b).organization_ids == frozenset()


def test_organisation_queryset_follows_access(world):
    assert set(Organization.objects.visible_to(world.requester_a)) == {world.client_a}
    assert set(Organization.objects.visible_to(world.tech_b)) == {world.provider, world.client_b}


def test_a_client_role_in_the_provider_grants_nothing(world):
    odd = make_user("odd.member@durand.test", world.provider, Role.REQUESTER)
    assert not access_for(odd).is_staff_member
    assert access_for(odd).company_wide_client_ids == frozenset()
