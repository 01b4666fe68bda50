"""The one place that decides which organisations, users and groups a user can see.

Every tenant-aware queryset (``.visible_to(user)``) is built from these answers, so
a client user never sees, counts or guesses another client's data.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from vigie.accounts.models import SYSTEM_ACCOUNT_DOMAIN, User
from vigie.tenancy.models import (
    COMPANY_WIDE_CLIENT_ROLES,
    PROVIDER_ROLES,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    TechnicianGroup,
)

_CACHE_ATTRIBUTE = "_vigie_access"


@dataclass(frozen=True)
class Access:
    """What one user may see, computed once per request and cached on the user object."""

    is_authenticated: bool
    is_superuser: bool
    provider_ids: frozenset[int]
    provider_roles: frozenset[str]
    # Clients served, for provider staff; the own company, for client users.
    client_ids: frozenset[int]
    # Client companies where the user sees every ticket (manager, IT contact).
    company_wide_client_ids: frozenset[int]
    # Client companies where the user only sees the tickets they requested or watch.
    own_tickets_client_ids: frozenset[int]

    @property
    def is_staff_member(self) -> bool:
        """Provider staff (or a superuser): works tickets, sees internal notes."""
        return self.is_superuser or bool(self.provider_ids)

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or Role.ADMIN in self.provider_roles

    @property
    def organization_ids(self) -> frozenset[int]:
        return self.provider_ids | self.client_ids


def _compute(user: Any) -> Access:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Access(False, False, frozenset(), frozenset(), frozenset(), frozenset(), frozenset())
    if user.is_superuser:
        all_clients = frozenset(Organization.objects.clients().values_list("pk", flat=True))
        providers = frozenset(Organization.objects.providers().values_list("pk", flat=True))
        return Access(True, True, providers, frozenset({Role.ADMIN}), all_clients, all_clients, frozenset())
    memberships = list(
        Membership.objects.filter(user=user, organization__is_active=True).values_list(
            "organization_id", "organization__kind", "role"
        )
    )
    provider_ids = frozenset(
        org for org, kind, role in memberships if kind == OrganizationKind.PROVIDER and role in PROVIDER_ROLES
    )
    provider_roles = frozenset(role for org, kind, role in memberships if kind == OrganizationKind.PROVIDER)
    company_wide = {
        org for org, kind, role in memberships if kind == OrganizationKind.CLIENT and role in COMPANY_WIDE_CLIENT_ROLES
    }
    own_only = {
        org for org, kind, role in memberships if kind == OrganizationKind.CLIENT and role == Role.REQUESTER
    } - company_wide
    served: set[int] = set()
    if provider_ids:
        if Role.ADMIN in provider_roles:
            served = set(Organization.objects.clients().values_list("pk", flat=True))
        else:
            served = set(
                TechnicianGroup.objects.filter(organization_id__in=provider_ids, members=user).values_list(
                    "clients__pk", flat=True
                )
            )
            served.discard(None)  # type: ignore[arg-type]
    return Access(
        is_authenticated=True,
        is_superuser=False,
        provider_ids=provider_ids,
        provider_roles=provider_roles,
        client_ids=frozenset(served | company_wide | own_only),
        company_wide_client_ids=frozenset(served | company_wide),
        own_tickets_client_ids=frozenset(own_only),
    )


def access_for(user: Any) -> Access:
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = _compute(user)
        with contextlib.suppress(AttributeError):
            setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget_access(user: Any) -> None:
    """Drop the cached answer after memberships or groups change."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def visible_organization_ids(user: Any) -> frozenset[int]:
    return access_for(user).organization_ids


# Users and technician groups have no organisation column of their own: what a caller may
# see of them follows from the same Access facts as everything else.
def users_visible_to(user: Any) -> QuerySet[User]:
    """Staff see their colleagues and the users of the clients they serve; a client manager or
    IT contact sees the company's users; a requester sees only themselves."""
    access = access_for(user)
    if not access.is_authenticated:
        return User.objects.none()
    if access.is_superuser:
        return User.objects.all()
    organizations = access.provider_ids | access.company_wide_client_ids
    members = Membership.objects.filter(organization_id__in=organizations).values("user_id")
    return User.objects.filter(Q(pk__in=members) | Q(pk=user.pk))


def staff_visible_to(user: Any) -> QuerySet[User]:
    """Provider staff the caller can see (assignees, group members)."""
    access = access_for(user)
    if not access.is_staff_member:
        return User.objects.none()
    members = Membership.objects.filter(organization_id__in=access.provider_ids).values("user_id")
    return User.objects.filter(pk__in=members, is_active=True).exclude(email__endswith=SYSTEM_ACCOUNT_DOMAIN)


def groups_visible_to(user: Any) -> QuerySet[TechnicianGroup]:
    access = access_for(user)
    if not access.is_staff_member:
        return TechnicianGroup.objects.none()
    if access.is_superuser:
        return TechnicianGroup.objects.all()
    return TechnicianGroup.objects.filter(organization_id__in=access.provider_ids)
