"""Who may read and change service-level configuration (calendars, policies, business services).

Visibility itself is the querysets' ``visible_to``; these answers narrow it further:

- provider administrators change everything they can see (every client and the provider);
- service owners change the policies and business services of the clients they serve;
- technicians read the configuration of the clients they serve and the provider's calendars;
- a client's manager or IT contact reads the own company's configuration (API); a requester none.
"""

from __future__ import annotations

from typing import Any

from vigie.tenancy.access import access_for
from vigie.tenancy.models import Role


def readable_organization_ids(user: Any) -> frozenset[int]:
    """The organisations whose calendars, policies and services ``user`` may read."""
    access = access_for(user)
    if access.is_staff_member:
        return access.organization_ids
    return access.company_wide_client_ids


def can_manage_calendars(user: Any, organization_id: int) -> bool:
    """Business calendars: the provider's administrators only."""
    access = access_for(user)
    return access.is_admin and organization_id in access.organization_ids


def can_manage_policies(user: Any, organization_id: int) -> bool:
    """SLA policies: administrators, and service owners for the clients they serve."""
    access = access_for(user)
    if access.is_admin:
        return organization_id in access.organization_ids
    return Role.SERVICE_OWNER in access.provider_roles and organization_id in access.company_wide_client_ids


def can_manage_services(user: Any, organization_id: int) -> bool:
    """Business services follow the same rule as policies: they are what the SLAs protect."""
    return can_manage_policies(user, organization_id)


def can_manage_any_policy(user: Any) -> bool:
    access = access_for(user)
    return access.is_admin or Role.SERVICE_OWNER in access.provider_roles
