"""Who may do what with changes (visibility itself is ``Change.objects.visible_to``).

- provider staff serving a client create its changes, edit them while they are requests
  (draft, submitted, assessment), submit them, and implement them (start, complete, fail, back out);
- change managers (and the provider's administrators) run the process: assessment, sending to
  approval, scheduling, overriding a freeze, reviews, closing, templates and freeze periods;
- approvers are the CAB members (the policy's list, or else every change manager) and, when the
  change needs it, a client manager of the client;
- a client's manager or IT contact reads the own company's changes; requesters see none.
"""

from __future__ import annotations

from typing import Any

from vigie.accounts.models import User
from vigie.changes.models import Change, ChangePolicy
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role


def serves(user: Any, organization_id: int) -> bool:
    access = access_for(user)
    return access.is_superuser or (access.is_staff_member and organization_id in access.company_wide_client_ids)


def is_change_manager(user: Any) -> bool:
    access = access_for(user)
    return access.is_admin or Role.CHANGE_MANAGER in access.provider_roles


def can_manage(user: Any, organization_id: int) -> bool:
    """Run the change process for this client (or manage templates and freezes of this organisation)."""
    access = access_for(user)
    if not is_change_manager(user):
        return False
    return access.is_superuser or organization_id in access.provider_ids | access.company_wide_client_ids


def provider_of(user: Any = None) -> Organization | None:
    """The installation's provider (one per installation)."""
    return Organization.objects.providers().order_by("pk").first()


def policy() -> ChangePolicy | None:
    provider = provider_of()
    if provider is None:
        return None
    return ChangePolicy.objects.filter(organization=provider).prefetch_related("cab_members").first()


def cab_member_ids() -> frozenset[int]:
    """The policy's CAB list when it names anyone, else every active change manager."""
    current = policy()
    if current is not None:
        listed = frozenset(user.pk for user in current.cab_members.all() if user.is_active)
        if listed:
            return listed
    return frozenset(
        Membership.objects.filter(
            organization__kind=OrganizationKind.PROVIDER, role=Role.CHANGE_MANAGER, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def is_cab_member(user: Any) -> bool:
    return isinstance(user, User) and user.pk in cab_member_ids()


def is_client_approver(user: Any, change: Change) -> bool:
    """A client manager of the change's client."""
    return Membership.objects.filter(user=user, organization_id=change.organization_id, role=Role.CLIENT_MANAGER).exists()


def can_work(user: Any, change: Change) -> bool:
    return serves(user, change.organization_id)
