"""The SLA clocks of a ticket, rebuilt from its status history (interface; the engine fills it in)."""

from __future__ import annotations

from datetime import datetime

from vigie.servicedesk.models import Ticket
from vigie.sla.models import TicketSla


def refresh(ticket: Ticket, *, now: datetime | None = None) -> TicketSla | None:
    """Recompute and store the clocks of ``ticket`` (called inside the service's transaction)."""
    return None
