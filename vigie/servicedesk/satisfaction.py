"""Satisfaction surveys on resolution (interface; the survey module fills it in)."""

from __future__ import annotations

from vigie.accounts.models import User
from vigie.servicedesk.models import Ticket


def status_changed(ticket: Ticket, *, previous: str | None, by: User | None) -> None:
    """Ask the requester for a rating when ``ticket`` is resolved; withdraw it when reopened."""
    return None
