"""Who reads supervision data: the provider's staff serving the client, and the client's
manager or IT contact for the own company (read-only, enforced by the views). Requesters see none."""

from __future__ import annotations

from typing import Any, Self, TypeVar

from django.db import models
from django.db.models import Q


def visible_organizations(user: Any, field: str = "organization_id") -> Q | None:
    """A filter on the client column for ``user``; None means no restriction (superuser)."""
    from vigie.tenancy.access import access_for

    access = access_for(user)
    if access.is_superuser:
        return None
    return Q(**{f"{field}__in": access.company_wide_client_ids})


def staff_organizations(user: Any, field: str = "organization_id") -> Q | None:
    """Clients whose supervision settings ``user`` may change: provider staff serving them."""
    from vigie.tenancy.access import access_for

    access = access_for(user)
    if access.is_superuser:
        return None
    ids = access.company_wide_client_ids if access.is_staff_member else frozenset()
    return Q(**{f"{field}__in": ids})


_Model = TypeVar("_Model", bound=models.Model)


class ClientReadableQuerySet(models.QuerySet[_Model]):
    """Rows of a client's supervision: read by the staff serving it and its manager or IT contact."""

    def visible_to(self, user: Any) -> Self:
        condition = visible_organizations(user)
        return self.all() if condition is None else self.filter(condition)


class StaffOnlyQuerySet(models.QuerySet[_Model]):
    """Supervision settings holding secrets or wiring (sources, channels): provider staff only."""

    def visible_to(self, user: Any) -> Self:
        condition = staff_organizations(user)
        return self.all() if condition is None else self.filter(condition)
