"""The write phase of an import: one batch of new tickets, or of known tickets to update.

Each imported ticket gets its Vigie reference (INC-/REQ-, numbers drawn for the whole batch at
once), its dates as the previous tool gave them (``created_at`` is the opening), a search text,
two timeline events dated in the past — "created" and, unless still new, "status" to the final
status, both marked ``{"imported": filename}`` — and a ``TicketSla`` row with ``imported=True``
holding the outcome the source reports (the SLA engine never recomputes imported clocks).
Updating a known ticket rewrites what the mapping gives and replaces its imported events and SLA
outcome; its type and reference never change, and what happened to it in Vigie since stays.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

from vigie.servicedesk import numbering, search
from vigie.servicedesk.importing import writer
from vigie.servicedesk.importing.mapping import Mapping
from vigie.servicedesk.importing.rows import TicketRow
from vigie.servicedesk.models import Category, Comment, EventKind, Ticket, TicketEvent, TicketStatus
from vigie.servicedesk.services import reference_for
from vigie.sla.models import ClockState, TicketSla
from vigie.tenancy.models import Organization

CategoryIds = dict[tuple[str, ...], int]

TICKET_COLUMNS = [
    "organization_id",
    "type",
    "number",
    "reference",
    "external_reference",
    "title",
    "description",
    "status",
    "impact",
    "urgency",
    "priority",
    "channel",
    "category_id",
    "requester_id",
    "assignee_id",
    "group_id",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "reassignment_count",
    "reopen_count",
    "last_activity_at",
    "created_at",
    "updated_at",
    "search_text",
]
EVENT_COLUMNS = ["ticket_id", "at", "kind", "data"]
SLA_COLUMNS = ["ticket_id", "imported", "response_met", "resolution_met", "response_state", "resolution_state", "computed_at"]
# Written on every update; the others only when the mapping gives the field.
ALWAYS_UPDATED = [
    "external_reference",
    "title",
    "status",
    "resolved_at",
    "closed_at",
    "created_at",
    "updated_at",
    "last_activity_at",
    "search_text",
]
UPDATED_WHEN_MAPPED = {
    "description": ["description"],
    "category": ["category_id"],
    "channel": ["channel"],
    "requester": ["requester_id"],
    "assignee": ["assignee_id"],
    "group": ["group_id"],
    "first_response_at": ["first_response_at"],
    "reassignment_count": ["reassignment_count"],
    "reopen_count": ["reopen_count"],
}


@dataclass(frozen=True)
class KnownTicket:
    pk: int
    type: str
    number: int
    reference: str


def create_categories(paths: dict[tuple[str, ...], tuple[str, ...]], known: CategoryIds) -> None:
    """Create the categories a file names and Vigie lacks, where the path says, inactive: they keep
    the history and its KPIs without being offered on new tickets (an administrator may activate them)."""
    for path, names in sorted(paths.items(), key=lambda item: len(item[0])):
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix in known:
                continue
            parent = known.get(path[: depth - 1]) if depth > 1 else None
            category = Category.objects.create(parent_id=parent, name=names[depth - 1], is_active=False)
            known[prefix] = category.pk


def updated_columns(mapping: Mapping) -> list[str]:
    columns = list(ALWAYS_UPDATED)
    for name, names in UPDATED_WHEN_MAPPED.items():
        if mapping.maps(name):
            columns += names
    if any(mapping.maps(name) for name in ("impact", "urgency", "priority")):
        columns += ["impact", "urgency", "priority"]
    return columns


def _status_moment(row: TicketRow) -> datetime:
    if row.status == TicketStatus.RESOLVED and row.resolved_at:
        return row.resolved_at
    if row.status in (TicketStatus.CLOSED, TicketStatus.CANCELLED) and row.closed_at:
        return row.closed_at
    return row.first_response_at or row.opened_at


CREATED, STATUS, NEW = EventKind.CREATED.value, EventKind.STATUS.value, TicketStatus.NEW.value
STATES = {None: ClockState.NONE.value, True: ClockState.MET.value, False: ClockState.MISSED.value}


def _events(row: TicketRow, ticket_id: int, filename: str) -> list[list[Any]]:
    created = {"imported": filename, "external_reference": row.reference, "channel": row.channel}
    events: list[list[Any]] = [[ticket_id, row.opened_at, CREATED, created]]
    if row.status != NEW:
        status = {"imported": filename, "old": NEW, "new": row.status}
        events.append([ticket_id, _status_moment(row), STATUS, status])
    return events


def _state(met: bool | None) -> str:
    return STATES[met]


def _sla(row: TicketRow, ticket_id: int, now: datetime) -> list[Any]:
    met_response, met_resolution = row.response_met, row.resolution_met
    return [ticket_id, True, met_response, met_resolution, _state(met_response), _state(met_resolution), now]


def _values(row: TicketRow, category_ids: CategoryIds, now: datetime) -> dict[str, Any]:
    return {
        "external_reference": row.reference,
        "title": row.title,
        "description": row.description or "",
        "status": row.status,
        "impact": row.impact,
        "urgency": row.urgency,
        "priority": row.priority,
        "channel": row.channel,
        "category_id": category_ids.get(row.category) if row.category else None,
        "requester_id": row.requester_id,
        "assignee_id": row.assignee_id,
        "group_id": row.group_id,
        "first_response_at": row.first_response_at,
        "resolved_at": row.resolved_at,
        "closed_at": row.closed_at,
        "reassignment_count": row.reassignment_count or 0,
        "reopen_count": row.reopen_count or 0,
        "last_activity_at": row.last_activity_at,
        "created_at": row.opened_at,
        "updated_at": now,
    }


def create(
    rows: Sequence[TicketRow], organization: Organization, filename: str, category_ids: CategoryIds, now: datetime
) -> None:
    """Insert new tickets, with their events and SLA outcome."""
    allocated = {kind: numbering.next_numbers(kind, count) for kind, count in Counter(row.type for row in rows).items()}
    numbers = {kind: iter(drawn) for kind, drawn in allocated.items()}
    tickets = []
    assigned = []
    for row in rows:
        number = next(numbers[row.type])
        assigned.append((row.type, number))
        values = _values(row, category_ids, now)
        values.update(organization_id=organization.pk, type=row.type, number=number, reference=reference_for(row.type, number))
        values["search_text"] = search.text_of(values["reference"], row.reference, row.title, values["description"])
        tickets.append([values[column] for column in TICKET_COLUMNS])
    writer.insert(Ticket, TICKET_COLUMNS, tickets)
    ids: dict[tuple[str, int], int] = {}
    for kind, drawn in allocated.items():
        created = Ticket.objects.filter(type=kind, number__gte=drawn[0], number__lte=drawn[-1])
        ids.update(((kind, number), pk) for number, pk in created.values_list("number", "pk"))
    keys = [ids[(kind, number)] for kind, number in assigned]
    writer.insert(
        TicketEvent, EVENT_COLUMNS, [event for row, pk in zip(rows, keys, strict=True) for event in _events(row, pk, filename)]
    )
    writer.insert(TicketSla, SLA_COLUMNS, [_sla(row, pk, now) for row, pk in zip(rows, keys, strict=True)])


def update(
    pairs: Sequence[tuple[TicketRow, KnownTicket]],
    filename: str,
    category_ids: CategoryIds,
    columns: list[str],
    now: datetime,
) -> None:
    """Rewrite known tickets (the ``columns`` the mapping gives), their imported events and SLA outcome."""
    ids = [known.pk for _row, known in pairs]
    replies: dict[int, list[str]] = {}
    public = Comment.objects.public().filter(ticket_id__in=ids).order_by("created_at", "id")
    for ticket_id, body in public.values_list("ticket_id", "body"):
        replies.setdefault(ticket_id, []).append(body)
    descriptions: dict[int, str] = {}
    if "description" not in columns:  # not in the file: the stored description stays, and stays searchable
        descriptions = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "description"))
    rows = []
    for row, known in pairs:
        values = _values(row, category_ids, now)
        description = values["description"] if "description" in columns else descriptions.get(known.pk, "")
        text = search.text_of(known.reference, row.reference, row.title, description)
        for body in replies.get(known.pk, ()):
            text = search.append(text, body)
        values["search_text"] = text
        rows.append([known.pk, *(values[column] for column in columns)])
    writer.update(Ticket, columns, rows)
    imported = Q(kind__in=[EventKind.CREATED, EventKind.STATUS], data__has_key="imported")
    writer.delete(TicketEvent.objects.filter(imported, ticket_id__in=ids))
    writer.insert(TicketEvent, EVENT_COLUMNS, [event for row, known in pairs for event in _events(row, known.pk, filename)])
    writer.delete(TicketSla.objects.filter(ticket_id__in=ids))
    writer.insert(TicketSla, SLA_COLUMNS, [_sla(row, known.pk, now) for row, known in pairs])
