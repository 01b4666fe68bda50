"""Who may read and change the CMDB.

Reading is ``ConfigurationItem.objects.visible_to(user)``: provider staff read the CIs of the
clients they serve, a client's manager or IT contact those of the own company, a requester only
the CIs they use or own. Changing is for provider staff (every provider role) on the clients
they serve: the provider keeps the client's inventory; the client reads it (UI for staff, API
for the client's manager and IT contact).
"""

from __future__ import annotations

from typing import Any

from vigie.tenancy.access import access_for


def can_manage(user: Any, organization_id: int) -> bool:
    access = access_for(user)
    if access.is_superuser:
        return True
    return bool(access.provider_ids) and organization_id in access.company_wide_client_ids


def manageable_organization_ids(user: Any) -> frozenset[int]:
    access = access_for(user)
    if not access.is_staff_member:
        return frozenset()
    return access.company_wide_client_ids
