"""Full-text search over tickets (title, description, public replies).

PostgreSQL keeps ``search_vector``, a stored generated column ``to_tsvector('simple',
search_text)`` with a GIN index (migration 0004): a match never recomputes a vector from the
text, which made a common word cost seconds on a million tickets when the index was on the
expression. The column is not in the model, so the ORM never reads it. SQLite uses an FTS5
table kept in step by triggers (migration 0002). The public function is
``search_tickets(queryset, text)``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from vigie.servicedesk.models import Ticket, TicketQuerySet

MAX_SEARCH_TEXT = 100_000
_WORD = re.compile(r"\w+", re.UNICODE)


POSTGRESQL_MATCH = '"servicedesk_ticket"."search_vector" @@ to_tsquery(\'simple\', %s)'
SQLITE_MATCH = "SELECT rowid FROM servicedesk_ticket_fts WHERE servicedesk_ticket_fts MATCH %s"

# Created by migration 0004 on PostgreSQL (migration 0002 for SQLite's FTS5 table).
POSTGRESQL_VECTOR = [
    "ALTER TABLE servicedesk_ticket ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS servicedesk_ticket_search_vector_gin ON servicedesk_ticket USING gin (search_vector)",
]
POSTGRESQL_VECTOR_DROP = [
    "DROP INDEX IF EXISTS servicedesk_ticket_search_vector_gin",
    "ALTER TABLE servicedesk_ticket DROP COLUMN IF EXISTS search_vector",
]
# SQLite drops a table's triggers when a migration rebuilds it (adding a foreign key does):
# such a migration must run SQLITE_FTS again afterwards, as servicedesk 0005 does.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS servicedesk_ticket_fts USING fts5("
    "search_text, content='servicedesk_ticket', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS servicedesk_ticket_fts_insert AFTER INSERT ON servicedesk_ticket BEGIN "
    "INSERT INTO servicedesk_ticket_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS servicedesk_ticket_fts_delete AFTER DELETE ON servicedesk_ticket BEGIN "
    "INSERT INTO servicedesk_ticket_fts(servicedesk_ticket_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS servicedesk_ticket_fts_update AFTER UPDATE OF search_text ON servicedesk_ticket BEGIN "
    "INSERT INTO servicedesk_ticket_fts(servicedesk_ticket_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO servicedesk_ticket_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO servicedesk_ticket_fts(servicedesk_ticket_fts) VALUES ('rebuild')",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS servicedesk_ticket_fts_insert",
    "DROP TRIGGER IF EXISTS servicedesk_ticket_fts_delete",
    "DROP TRIGGER IF EXISTS servicedesk_ticket_fts_update",
    "DROP TABLE IF EXISTS servicedesk_ticket_fts",
]


def text_of(reference: str, external_reference: str, title: str, description: str) -> str:
    """What search matches of a ticket itself: its reference (and the previous tool's, for imported
    history), title and description."""
    return "\n".join(part for part in (reference, external_reference, title, description) if part)[:MAX_SEARCH_TEXT]


def text_for(ticket: Ticket, *, comments: bool = False) -> str:
    """The ticket's search text; with ``comments``, its public replies too."""
    parts = [ticket.reference, ticket.external_reference, ticket.title, ticket.description]
    if comments and ticket.pk:
        parts.extend(ticket.comments.public().values_list("body", flat=True))
    return "\n".join(p for p in parts if p)[:MAX_SEARCH_TEXT]


def append(existing: str, text: str) -> str:
    return f"{existing}\n{text}"[:MAX_SEARCH_TEXT]


def words(query: str) -> list[str]:
    return _WORD.findall(query)[:12]


def search_tickets(queryset: TicketQuerySet, query: str) -> TicketQuerySet:
    terms = words(query)
    if not terms:
        return queryset
    reference = query.strip().upper()
    if re.fullmatch(r"(INC|REQ)-\d{1,9}", reference):
        return queryset.filter(reference=reference[:4] + reference[4:].zfill(6))
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in (re.sub(r"[^\w]", "", t) for t in terms) if term)
        return queryset.filter(RawSQL(POSTGRESQL_MATCH, [tsquery], output_field=BooleanField()))  # noqa: S611 - bound parameter
    if connection.vendor == "sqlite":
        match = " ".join('"' + term.replace('"', "") + '"*' for term in terms)
        return queryset.filter(pk__in=RawSQL(SQLITE_MATCH, [match]))  # noqa: S611 - bound parameter
    for term in terms:
        queryset = queryset.filter(search_text__icontains=term)
    return queryset
