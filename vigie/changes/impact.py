"""The impact of a change: which business services and users it touches, and what downtime costs.

The services named on the change count directly. Once the CMDB is there, the configuration items
named on the change go through ``vigie.cmdb.impact.analyse`` (the dependency graph, with
redundancy), which adds the services they support and the users affected.

Estimated downtime cost = Σ over impacted services of (hourly cost of downtime × expected
downtime in hours); a service without a cost counts for nothing, a change without expected
downtime costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from vigie.catalog.models import BusinessService
from vigie.changes.models import Change


@dataclass
class ImpactedService:
    service: BusinessService
    direct: bool
    downtime_cost: Decimal | None


@dataclass
class ChangeImpact:
    services: list[ImpactedService] = field(default_factory=list)
    users_affected: int | None = None
    items: list[Any] = field(default_factory=list)
    downtime_cost: Decimal = Decimal("0")

    @property
    def highest_criticality(self) -> int | None:
        """The most critical impacted service (1 = vital)."""
        return min((entry.service.criticality for entry in self.services), default=None)


def _cmdb_analysis(change: Change) -> tuple[list[BusinessService], int | None, list[Any]]:
    items = list(change.configuration_items.all()) if hasattr(change, "configuration_items") else []
    if not items:
        return [], None, []
    try:
        from vigie.cmdb.impact import analyse
    except ImportError:
        return [], None, items
    result: Any = analyse(items)
    services = list(getattr(result, "services", None) or getattr(result, "business_services", None) or [])
    users = getattr(result, "users_affected", None)
    if users is not None and not isinstance(users, int):
        users = len(users)
    return [s for s in services if isinstance(s, BusinessService)], users, items


def impact_of(change: Change) -> ChangeImpact:
    hours = Decimal(change.expected_downtime_minutes or 0) / Decimal(60)
    direct = list(change.services.all())
    from_items, users, items = _cmdb_analysis(change)
    impact = ChangeImpact(users_affected=users, items=items)
    seen: set[int] = set()
    for service, is_direct in [(s, True) for s in direct] + [(s, False) for s in from_items]:
        if service.pk in seen:
            continue
        seen.add(service.pk)
        cost = (service.hourly_downtime_cost * hours).quantize(Decimal("0.01")) if service.hourly_downtime_cost else None
        impact.services.append(ImpactedService(service, is_direct, cost))
        impact.downtime_cost += cost or Decimal("0")
    impact.services.sort(key=lambda entry: (entry.service.criticality, entry.service.name))
    return impact
