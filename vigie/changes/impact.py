"""The impact of a change: which business services and users it touches, and what downtime costs.

The services named on the change count directly; the configuration items named on it go through
the CMDB's impact analysis (``vigie.cmdb.impact.analyse``: the dependency graph, with redundancy),
which adds the services they support and the users affected.

Estimated downtime cost = Σ over impacted services of (hourly cost of downtime × expected
downtime in hours); a service without a cost counts for nothing, a change without expected
downtime costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.changes.models import Change
from vigie.cmdb.impact import Impact, analyse
from vigie.cmdb.models import ConfigurationItem


@dataclass
class ImpactedService:
    service: BusinessService
    direct: bool
    because_of: tuple[ConfigurationItem, ...]
    downtime_cost: Decimal | None


@dataclass
class ChangeImpact:
    services: list[ImpactedService] = field(default_factory=list)
    items: list[ConfigurationItem] = field(default_factory=list)
    impacted_items: int = 0
    users: list[User] = field(default_factory=list)
    downtime_cost: Decimal = Decimal("0")
    hours: Decimal = Decimal("0")

    @property
    def highest_criticality(self) -> int | None:
        """The most critical impacted service (1 = vital)."""
        return min((entry.service.criticality for entry in self.services), default=None)


def impact_of(change: Change) -> ChangeImpact:
    hours = Decimal(change.expected_downtime_minutes or 0) / Decimal(60)
    items = list(change.configuration_items.all())
    analysis = analyse(items) if items else Impact()
    impact = ChangeImpact(items=items, impacted_items=len(analysis.items), users=list(analysis.users), hours=hours)
    entries: list[tuple[BusinessService, bool, tuple[ConfigurationItem, ...]]] = [
        (service, True, ()) for service in change.services.all()
    ]
    entries += [(entry.service, False, entry.because_of) for entry in analysis.services]
    seen: set[int] = set()
    for service, direct, because in entries:
        if service.pk in seen:
            continue
        seen.add(service.pk)
        cost = (service.hourly_downtime_cost * hours).quantize(Decimal("0.01")) if service.hourly_downtime_cost else None
        impact.services.append(ImpactedService(service, direct, because, cost))
        impact.downtime_cost += cost or Decimal("0")
    impact.services.sort(key=lambda entry: (entry.service.criticality, entry.service.name))
    return impact
