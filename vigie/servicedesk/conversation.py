"""Facts of a ticket's conversation stored on the ticket row, recomputed from the timeline.

The services keep ``public_message_count`` and ``waited_for_customer`` up to date as messages
and status changes happen; this module rebuilds them from the comments and status events in
one statement, for the migration that introduced them and for data written around the services
(the benchmark generator copies rows in bulk).
"""

from __future__ import annotations

from typing import Any

_WAITING = "waiting_customer"

_COUNT_PUBLIC_MESSAGES = """
    UPDATE servicedesk_ticket SET public_message_count = (
        SELECT COUNT(*) FROM servicedesk_comment AS comment
        WHERE comment.ticket_id = servicedesk_ticket.id AND NOT comment.is_internal
    )
"""
# The status events' ``data`` is JSON: ``jsonb`` on PostgreSQL, text on SQLite.
_WAITED = {
    "postgresql": "event.data ->> 'new' = %s",
    "sqlite": "json_extract(event.data, '$.new') = %s",
}
_MARK_WAITED = """
    UPDATE servicedesk_ticket SET waited_for_customer = EXISTS (
        SELECT 1 FROM servicedesk_ticketevent AS event
        WHERE event.ticket_id = servicedesk_ticket.id AND event.kind = 'status' AND {condition}
    )
"""


def rebuild_conversation_facts(connection: Any) -> None:
    """Recompute both facts for every ticket (two UPDATE statements)."""
    condition = _WAITED[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_PUBLIC_MESSAGES)
        cursor.execute(_MARK_WAITED.format(condition=condition), [_WAITING])
