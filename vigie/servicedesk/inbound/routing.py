"""Where an incoming message goes: which client (by the address it was sent to), which ticket
(by its threading headers, then by the reference in its subject), and who sent it."""

from __future__ import annotations

import re

from vigie.accounts.models import User
from vigie.servicedesk.inbound.parsing import ParsedMessage
from vigie.servicedesk.models import REFERENCE_PREFIXES, Ticket, TicketEmailLink
from vigie.tenancy.models import Membership, Organization, OrganizationKind

REFERENCE_PATTERN = re.compile(
    r"\[?\b(" + "|".join(sorted(REFERENCE_PREFIXES.values())) + r")-(\d{1,9})\b\]?",
    re.IGNORECASE,
)


def find_client(parsed: ParsedMessage) -> Organization | None:
    """The active client whose support address received the message.

    Envelope headers (Delivered-To, X-Original-To) come first: they name the mailbox the
    message was delivered to, when To and Cc list several of our addresses.
    """
    if not parsed.recipients:
        return None
    clients = {
        organization.support_email.lower(): organization
        for organization in Organization.objects.filter(
            kind=OrganizationKind.CLIENT, is_active=True, support_email__in=parsed.recipients
        )
    }
    if len(clients) < len(parsed.recipients):
        # support_email__in is case-sensitive on PostgreSQL; addresses are compared lower-cased.
        for organization in Organization.objects.filter(kind=OrganizationKind.CLIENT, is_active=True).exclude(support_email=""):
            clients.setdefault(organization.support_email.lower(), organization)
    for address in parsed.recipients:
        if address in clients:
            return clients[address]
    return None


def references_in(subject: str) -> list[str]:
    """Ticket references such as ``INC-000123`` found in a subject, normalised."""
    return [f"{prefix.upper()}-{int(number):06d}" for prefix, number in REFERENCE_PATTERN.findall(subject or "")]


def find_ticket(parsed: ParsedMessage, client: Organization) -> tuple[Ticket | None, str]:
    """The client's ticket this message answers, and how it was found (``thread`` or ``subject``).

    A match on another client's ticket is ignored: a message sent to one client's address
    never lands on another client's ticket, whatever its headers or subject say.
    """
    thread_ids = parsed.thread_ids
    if thread_ids:
        links = {
            link.message_id: link.ticket
            for link in TicketEmailLink.objects.filter(message_id__in=thread_ids, ticket__organization=client).select_related(
                "ticket"
            )
        }
        for message_id in thread_ids:
            if message_id in links:
                return links[message_id], "thread"
    for reference in references_in(parsed.subject):
        ticket = Ticket.objects.filter(reference=reference, organization=client).first()
        if ticket is not None:
            return ticket, "subject"
    return None, ""


def find_sender(parsed: ParsedMessage) -> User | None:
    if not parsed.sender:
        return None
    return User.objects.filter(email__iexact=parsed.sender).first()


def is_member(user: User, client: Organization) -> bool:
    return Membership.objects.filter(user=user, organization=client).exists()
