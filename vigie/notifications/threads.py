"""E-mail threading: Message-IDs we generate and the In-Reply-To/References of a ticket's thread.

Every Message-ID that belongs to a ticket (the requester's original message, each
reply received, each notification sent) is a ``TicketEmailLink`` row, so a reply to
any of them comes back to the right ticket.
"""

from __future__ import annotations

import re
import secrets
from email.utils import parseaddr
from urllib.parse import urlparse

from django.conf import settings

from vigie.servicedesk.models import Ticket, TicketEmailLink

MESSAGE_ID_PATTERN = re.compile(r"<[^<>\s]{1,250}>")
# How many Message-IDs of the thread a References header carries (RFC 5322 allows trimming).
MAX_REFERENCES = 10


def mail_domain() -> str:
    """The domain used on the right of our Message-IDs: the sender's, else the site's."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2].strip().lower()
    if domain:
        return domain
    return urlparse(settings.SITE_URL).hostname or "vigie.invalid"


def new_message_id(prefix: str) -> str:
    safe_prefix = re.sub(r"[^A-Za-z0-9.\-]", "-", prefix)[:60]
    return f"<{safe_prefix}.{secrets.token_hex(8)}@{mail_domain()}>"


def ticket_message_id(ticket: Ticket) -> str:
    """``<ticket-INC-000123.<random>@domain>`` for a message about this ticket."""
    return new_message_id(f"ticket-{ticket.reference}")


def message_ids_in(value: str) -> list[str]:
    """The ``<...>`` Message-IDs found in a header value, in order, without repeats."""
    seen: list[str] = []
    for found in MESSAGE_ID_PATTERN.findall(value or ""):
        if found not in seen:
            seen.append(found)
    return seen


def thread_root(ticket: Ticket) -> str:
    """The first Message-ID of the ticket's thread; one is made up (and recorded) for a ticket
    that never had an e-mail, so that all its notifications thread together."""
    first = (
        TicketEmailLink.objects.filter(ticket=ticket).order_by("created_at", "id").values_list("message_id", flat=True).first()
    )
    if first:
        return first
    root = f"<ticket-{ticket.reference}@{mail_domain()}>"
    link, _created = TicketEmailLink.objects.get_or_create(message_id=root, defaults={"ticket": ticket})
    return link.message_id


def thread_headers(ticket: Ticket, to: str) -> tuple[str, str]:
    """``(In-Reply-To, References)`` for a new message in the ticket's thread to ``to``: the
    thread's root, then the messages this recipient already received about the ticket (and
    none of those sent to others, which may be internal)."""
    from vigie.notifications.models import OutboundEmail

    root = thread_root(ticket)
    earlier = list(
        OutboundEmail.objects.filter(ticket=ticket, to__iexact=to)
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)[: MAX_REFERENCES - 1]
    )
    references = [root, *reversed(earlier)]
    return root, " ".join(references)


def record_message_id(ticket: Ticket, message_id: str) -> None:
    TicketEmailLink.objects.get_or_create(message_id=message_id, defaults={"ticket": ticket})
