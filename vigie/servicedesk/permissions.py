"""Who may do what on a ticket. Visibility itself is ``Ticket.objects.visible_to``."""

from __future__ import annotations

from typing import Any

from vigie.servicedesk.models import Ticket
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization


def is_staff(user: Any) -> bool:
    return access_for(user).is_staff_member


def serves(user: Any, organization_id: int) -> bool:
    """Provider staff serving this client (or a superuser)."""
    access = access_for(user)
    return access.is_superuser or (access.is_staff_member and organization_id in access.company_wide_client_ids)


def can_work(user: Any, ticket: Ticket) -> bool:
    """Assign, note, change status and fields: provider staff serving the ticket's client."""
    return serves(user, ticket.organization_id)


def can_open_for(user: Any, organization: Organization) -> bool:
    return organization.pk in access_for(user).client_ids or access_for(user).is_superuser


def can_open_for_others(user: Any, organization: Organization) -> bool:
    """Staff and the client's manager or IT contact may open a ticket on someone else's behalf."""
    return organization.pk in access_for(user).company_wide_client_ids or access_for(user).is_superuser


def can_reply(user: Any, ticket: Ticket) -> bool:
    return Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists()
