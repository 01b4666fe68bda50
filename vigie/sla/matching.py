"""Which SLA policy and target apply to a ticket.

The active policies of the ticket's client are tried by (``order``, ``id``); the first whose
ticket type is empty or the ticket's, and whose category is empty or the ticket's category or
one of its ancestors, applies. Its target for the ticket's *current* priority gives the
response and resolution targets; the target's calendar, or else the policy's, measures them.
A matching policy without a target for the priority means "no commitment" for that ticket:
matching does not go on to the next policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from vigie.servicedesk.models import Category, Ticket
from vigie.sla.models import SlaPolicy, SlaTarget


@dataclass(frozen=True)
class PolicyRules:
    """A policy with its targets by priority, loaded once and reused for many tickets."""

    policy: SlaPolicy
    targets: Mapping[int, SlaTarget] = field(default_factory=dict)

    def matches(self, ticket_type: str, categories: Sequence[int]) -> bool:
        policy = self.policy
        if policy.ticket_type and policy.ticket_type != ticket_type:
            return False
        return policy.category_id is None or policy.category_id in categories

    def target(self, priority: int) -> SlaTarget | None:
        return self.targets.get(int(priority))

    def calendar_id(self, target: SlaTarget | None) -> int:
        if target is not None and target.calendar_id is not None:
            return target.calendar_id
        return self.policy.calendar_id


def category_chain(category_id: int | None, parents: Mapping[int, int | None]) -> tuple[int, ...]:
    """The category and its ancestors, nearest first (guarded against a cycle)."""
    chain: list[int] = []
    current = category_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return tuple(chain)


def category_parents() -> dict[int, int | None]:
    """The whole category tree as child → parent (one small query)."""
    return dict(Category.objects.values_list("pk", "parent_id"))


def load_rules(organization_ids: Iterable[int] | None = None) -> dict[int, list[PolicyRules]]:
    """The active policies of these clients (all clients when None), in matching order."""
    policies = SlaPolicy.objects.active().in_matching_order().select_related("calendar")
    if organization_ids is not None:
        policies = policies.filter(organization_id__in=list(organization_ids))
    loaded = list(policies)
    targets: dict[int, dict[int, SlaTarget]] = {policy.pk: {} for policy in loaded}
    for target in SlaTarget.objects.filter(policy_id__in=list(targets)):
        targets[target.policy_id][int(target.priority)] = target
    rules: dict[int, list[PolicyRules]] = {}
    for policy in loaded:
        rules.setdefault(policy.organization_id, []).append(PolicyRules(policy=policy, targets=targets[policy.pk]))
    return rules


def match(rules: Sequence[PolicyRules], *, ticket_type: str, categories: Sequence[int]) -> PolicyRules | None:
    """The first policy (in matching order) that applies to a ticket of this type and category chain."""
    for candidate in rules:
        if candidate.matches(ticket_type, categories):
            return candidate
    return None


def rules_for_ticket(ticket: Ticket) -> PolicyRules | None:
    """The policy that applies to ``ticket`` now, with its targets."""
    rules = load_rules([ticket.organization_id]).get(ticket.organization_id, [])
    if not rules:
        return None
    parents = category_parents() if ticket.category_id is not None else {}
    return match(rules, ticket_type=ticket.type, categories=category_chain(ticket.category_id, parents))


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    found = rules_for_ticket(ticket)
    return found.policy if found else None


def target_for(ticket: Ticket) -> SlaTarget | None:
    """The target of the ticket's policy for its current priority, if any."""
    found = rules_for_ticket(ticket)
    return found.target(ticket.priority) if found else None
