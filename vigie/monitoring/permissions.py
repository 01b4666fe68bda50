"""Who may do what in supervision. Visibility itself is each model's ``visible_to``.

- provider staff serving a client read and configure its checks, sources, channels, windows;
- the client's manager or IT contact reads its checks and alerts in the portal (never settings);
- anyone else gets a 404.
"""

from __future__ import annotations

from typing import Any

from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization, OrganizationQuerySet


def is_staff(user: Any) -> bool:
    return access_for(user).is_staff_member


def serves(user: Any, organization_id: int) -> bool:
    """Provider staff serving this client: may configure its supervision."""
    access = access_for(user)
    return access.is_superuser or (access.is_staff_member and organization_id in access.company_wide_client_ids)


def configurable_clients(user: Any) -> OrganizationQuerySet:
    """The client companies whose supervision ``user`` may configure (provider staff serving them)."""
    from vigie.monitoring.models.visibility import staff_organizations

    condition = staff_organizations(user, field="pk")
    clients = Organization.objects.clients()
    return clients if condition is None else clients.filter(condition)
