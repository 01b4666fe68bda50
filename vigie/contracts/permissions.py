"""Who reads and who changes the suppliers, contracts and licences of a client.

- read (and reveal a licence key, which is recorded): provider staff serving the client (the
  administrators serve every client), and the client's manager and IT contact; a requester
  reads none;
- change: the provider's administrators, and service owners for the clients they serve — the
  same rule as SLA policies and business services (``vigie.sla.permissions``).
"""

from __future__ import annotations

from typing import Any

from vigie.sla.permissions import can_manage_policies
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Role


def readable_client_ids(user: Any) -> frozenset[int]:
    return access_for(user).company_wide_client_ids


def can_manage(user: Any, organization_id: int) -> bool:
    return can_manage_policies(user, organization_id)


def can_manage_any(user: Any) -> bool:
    access = access_for(user)
    return access.is_admin or Role.SERVICE_OWNER in access.provider_roles


def can_reveal(user: Any, organization_id: int) -> bool:
    return organization_id in readable_client_ids(user)
