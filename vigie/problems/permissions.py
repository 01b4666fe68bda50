"""Who may do what with problems. Visibility itself is ``Problem.objects.visible_to``.

- problem managers (role ``problem_manager``) and administrators create problems and move them
  through their lifecycle (root cause, known error, resolution), for the clients they serve;
- technicians serving the client read problems and known errors and link or unlink incidents;
- client users see no problem in the staff interface or the API.
"""

from __future__ import annotations

from typing import Any

from vigie.tenancy.access import access_for
from vigie.tenancy.models import Role


def serves(user: Any, organization_id: int) -> bool:
    access = access_for(user)
    return access.is_superuser or (access.is_staff_member and organization_id in access.company_wide_client_ids)


def is_problem_manager(user: Any) -> bool:
    """Someone who may manage problems of at least one client."""
    access = access_for(user)
    return access.is_admin or Role.PROBLEM_MANAGER in access.provider_roles


def can_manage(user: Any, organization_id: int) -> bool:
    """Create, change and move problems of this client through their lifecycle."""
    return is_problem_manager(user) and serves(user, organization_id)


def can_link(user: Any, organization_id: int) -> bool:
    """Link and unlink incidents: any provider staff serving the client."""
    return serves(user, organization_id)
