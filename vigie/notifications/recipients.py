"""Who is told about a ticket event, and why.

| event | recipients |
|---|---|
| ticket created | the requester (acknowledgement), the assignee or else the group |
| public reply from provider staff | the requester and the watchers |
| public reply from the client side | the assignee or else the group, the requester and watchers |
| internal note | the assignee or else the group, and watchers — provider staff only |
| assignment | the new assignee, or the new group when nobody is assigned |
| resolution | the requester and the watchers, with the resolution |

The person who acted is never mailed about their own action (except the requester's
acknowledgement), inactive users never, and every recipient must be able to see the
ticket; internal events only ever reach provider staff serving the client.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigie.accounts.models import User
from vigie.notifications.models import OutboundKind
from vigie.servicedesk import permissions
from vigie.servicedesk.models import EventKind, Ticket, TicketEvent, TicketStatus


@dataclass(frozen=True)
class Recipient:
    """An address to mail; ``user`` is None for a group's shared mailbox."""

    address: str
    user: User | None
    is_staff: bool


@dataclass(frozen=True)
class Notice:
    kind: str
    recipient: Recipient


def _user(user: User | None, ticket: Ticket) -> Recipient | None:
    if user is None or not user.is_active or not user.email:
        return None
    if not permissions.can_reply(user, ticket):
        return None
    return Recipient(address=user.email, user=user, is_staff=permissions.can_work(user, ticket))


def _team(ticket: Ticket) -> list[Recipient]:
    """The assignee, or else the group's shared address, or else its members."""
    if ticket.assignee is not None:
        assignee = _user(ticket.assignee, ticket)
        return [assignee] if assignee else []
    group = ticket.group
    if group is None:
        return []
    if group.email:
        return [Recipient(address=group.email.lower(), user=None, is_staff=True)]
    return [r for r in (_user(member, ticket) for member in group.members.all()) if r is not None]


def _watchers(ticket: Ticket) -> list[Recipient]:
    return [r for r in (_user(w, ticket) for w in ticket.watchers.all()) if r is not None]


def recipients_for(event: TicketEvent) -> list[Notice]:
    """The notices an event gives rise to, at most one per address."""
    ticket = event.ticket
    actor = event.actor
    notices: list[Notice] = []

    def add(kind: str, candidates: list[Recipient | None], *, staff_only: bool = False, tell_actor: bool = False) -> None:
        for candidate in candidates:
            if candidate is None:
                continue
            if staff_only and not candidate.is_staff:
                continue
            if not tell_actor and actor is not None and candidate.user is not None and candidate.user.pk == actor.pk:
                continue
            if actor is not None and candidate.user is None and candidate.address == actor.email:
                continue
            if any(n.recipient.address == candidate.address for n in notices):
                continue
            notices.append(Notice(kind=kind, recipient=candidate))

    if event.kind == EventKind.CREATED:
        add(OutboundKind.ACKNOWLEDGEMENT, [_user(ticket.requester, ticket)], tell_actor=True)
        add(OutboundKind.CREATED, list(_team(ticket)), staff_only=True)
    elif event.kind == EventKind.REPLY and not event.is_internal:
        author_is_staff = actor is not None and permissions.can_work(actor, ticket)
        if not author_is_staff:
            add(OutboundKind.REPLY, list(_team(ticket)), staff_only=True)
        add(OutboundKind.REPLY, [_user(ticket.requester, ticket), *_watchers(ticket)])
    elif event.kind == EventKind.NOTE or (event.kind == EventKind.REPLY and event.is_internal):
        add(OutboundKind.NOTE, [*_team(ticket), *_watchers(ticket)], staff_only=True)
    elif event.kind == EventKind.ASSIGNED:
        new_assignee_id = event.data.get("new_assignee_id")
        if new_assignee_id:
            if ticket.assignee is not None and ticket.assignee.pk == new_assignee_id:
                add(OutboundKind.ASSIGNED, [_user(ticket.assignee, ticket)], staff_only=True)
        elif event.data.get("new_group") and ticket.assignee is None:
            add(OutboundKind.ASSIGNED, list(_team(ticket)), staff_only=True)
    elif event.kind == EventKind.STATUS and event.data.get("new") == TicketStatus.RESOLVED:
        add(OutboundKind.RESOLVED, [_user(ticket.requester, ticket), *_watchers(ticket)])
    if event.is_internal:
        notices = [n for n in notices if n.recipient.is_staff]
    return notices
