"""Writes on organisations, sites and technician groups. Each runs in a transaction with the
acting user recorded in the audit trail; callers (the API, commands, tests) validate first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.tenancy.access import forget_access
from vigie.tenancy.models import Organization, OrganizationKind, Site, TechnicianGroup


def _apply(instance: Any, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save()


def create_client(*, by: User, **fields: Any) -> Organization:
    """Create a client organisation."""
    with transaction.atomic(), acting_as(by):
        return Organization.objects.create(kind=OrganizationKind.CLIENT, **fields)


def update_organization(organization: Organization, *, by: User, **changes: Any) -> Organization:
    """Change the fields of an organisation."""
    with transaction.atomic(), acting_as(by):
        _apply(organization, changes)
    return organization


def create_site(*, by: User, **fields: Any) -> Site:
    """Create a site of an organisation (``organization`` is one of ``fields``)."""
    with transaction.atomic(), acting_as(by):
        return Site.objects.create(**fields)


def update_site(site: Site, *, by: User, **changes: Any) -> Site:
    """Change the fields of a site."""
    with transaction.atomic(), acting_as(by):
        _apply(site, changes)
    return site


def _forget_group_access(by: User, members: Iterable[User]) -> None:
    # Group membership decides which clients a technician serves; the cached answer is stale.
    forget_access(by)
    for member in members:
        forget_access(member)


def create_group(
    *,
    by: User,
    provider_id: int,
    members: Iterable[User] = (),
    clients: Iterable[Organization] = (),
    **fields: Any,
) -> TechnicianGroup:
    """Create a technician group of the provider with its members and the clients it serves."""
    members = list(members)
    with transaction.atomic(), acting_as(by):
        group = TechnicianGroup.objects.create(organization_id=provider_id, **fields)
        group.members.set(members)
        group.clients.set(list(clients))
    _forget_group_access(by, members)
    return group


def update_group(
    group: TechnicianGroup,
    *,
    by: User,
    members: Iterable[User] | None = None,
    clients: Iterable[Organization] | None = None,
    **changes: Any,
) -> TechnicianGroup:
    """Change a group; ``members`` and ``clients``, when given, replace the current sets."""
    new_members = None if members is None else list(members)
    with transaction.atomic(), acting_as(by):
        _apply(group, changes)
        if new_members is not None:
            group.members.set(new_members)
        if clients is not None:
            group.clients.set(list(clients))
    _forget_group_access(by, new_members or [])
    return group
