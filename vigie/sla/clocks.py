"""The SLA clocks of a ticket, rebuilt from its status history (interface; the engine fills it in)."""

from __future__ import annotations

from datetime import datetime

from vigie.servicedesk.models import Ticket
from vigie.sla.models import BusinessCalendar, SlaPolicy, TicketSla


def refresh(ticket: Ticket, *, now: datetime | None = None) -> TicketSla | None:
    """Recompute and store the clocks of ``ticket`` (called inside the service's transaction)."""
    return None


def recompute_for_policy(policy: SlaPolicy) -> int:
    """Recompute the clocks of the open tickets of the policy's client that it applies to or
    applied to, after the policy changed; returns how many tickets were recomputed."""
    return 0


def recompute_for_calendar(calendar: BusinessCalendar) -> int:
    """Recompute the clocks of the open tickets whose policy or target runs on ``calendar``;
    returns how many tickets were recomputed."""
    return 0
