"""Who may manage request templates, approve a request, and work its fulfilment tasks.

Visibility itself is the querysets' ``visible_to``; these answers narrow it:

- templates: the provider's administrators manage every template; service owners manage the
  templates of the clients they serve (a provider-wide template, offered to several clients, is
  the administrators' only);
- approval: a request waiting for "a manager of the client company" may be decided by any
  client manager of that company; one waiting for a named approver only by that person;
- fulfilment tasks: the provider's staff serving the ticket's client (like any ticket work).
"""

from __future__ import annotations

from typing import Any

from vigie.catalog.models import ApprovalRule, RequestTemplate, ServiceRequest, TemplateAudience
from vigie.servicedesk import permissions as ticket_permissions
from vigie.sla.permissions import can_manage_services
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Membership, Role


def can_manage_any_template(user: Any) -> bool:
    access = access_for(user)
    return access.is_admin or Role.SERVICE_OWNER in access.provider_roles


def can_manage_template_for(user: Any, audience: str, organization_id: int | None) -> bool:
    """Create or change a template with this audience (and client, for a client-specific one)."""
    if audience == TemplateAudience.ONE_CLIENT and organization_id is not None:
        return can_manage_services(user, organization_id)
    return access_for(user).is_admin


def can_manage_template(user: Any, template: RequestTemplate) -> bool:
    return can_manage_template_for(user, template.audience, template.organization_id)


def can_decide(user: Any, request: ServiceRequest) -> bool:
    """Whether ``user`` is an approver of this request (whatever its state)."""
    if request.approval_rule == ApprovalRule.NAMED:
        return request.approver_id is not None and request.approver_id == getattr(user, "pk", None)
    if request.approval_rule == ApprovalRule.CLIENT_MANAGER:
        user_id: int = getattr(user, "pk", None) or 0
        return Membership.objects.filter(
            user_id=user_id, organization_id=request.organization_id, role=Role.CLIENT_MANAGER
        ).exists()
    return False


def can_work_tasks(user: Any, request: ServiceRequest) -> bool:
    return ticket_permissions.serves(user, request.organization_id)
