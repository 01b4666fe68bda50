"""Facts of a ticket's conversation stored on the ticket row, recomputed from the timeline.

The services keep ``public_message_count`` and ``waited_for_customer`` up to date as messages
and status changes happen; this module rebuilds them from the comments and status events in
one statement, for the migration that introduced them and for data written around the services
(the benchmark generator copies rows in bulk).
"""

from __future__ import annotations

from typing import Any

_WAITING = "waiting_customer"

# Each statement writes only the rows whose fact is wrong (none, for a fresh column, in the first
# and third): on a large table the cost is in the rows rewritten, not in the look-ups, which are
# one grouped pass over comments and one over events.
_MESSAGE_STATEMENTS = (
    """UPDATE servicedesk_ticket SET public_message_count = 0
       WHERE public_message_count <> 0
         AND id NOT IN (SELECT ticket_id FROM servicedesk_comment WHERE NOT is_internal)""",
    """UPDATE servicedesk_ticket SET public_message_count = counted.messages
       FROM (SELECT ticket_id, COUNT(*) AS messages FROM servicedesk_comment
             WHERE NOT is_internal GROUP BY ticket_id) AS counted
       WHERE counted.ticket_id = servicedesk_ticket.id AND servicedesk_ticket.public_message_count <> counted.messages""",
)
# The status events' ``data`` is JSON: ``jsonb`` on PostgreSQL, text on SQLite.
_WAITED_STATEMENTS = {
    "postgresql": (
        """UPDATE servicedesk_ticket SET waited_for_customer = FALSE WHERE waited_for_customer AND id NOT IN (
             SELECT ticket_id FROM servicedesk_ticketevent WHERE kind = 'status' AND data ->> 'new' = %s)""",
        """UPDATE servicedesk_ticket SET waited_for_customer = TRUE WHERE NOT waited_for_customer AND id IN (
             SELECT ticket_id FROM servicedesk_ticketevent WHERE kind = 'status' AND data ->> 'new' = %s)""",
    ),
    "sqlite": (
        """UPDATE servicedesk_ticket SET waited_for_customer = FALSE WHERE waited_for_customer AND id NOT IN (
             SELECT ticket_id FROM servicedesk_ticketevent WHERE kind = 'status' AND json_extract(data, '$.new') = %s)""",
        """UPDATE servicedesk_ticket SET waited_for_customer = TRUE WHERE NOT waited_for_customer AND id IN (
             SELECT ticket_id FROM servicedesk_ticketevent WHERE kind = 'status' AND json_extract(data, '$.new') = %s)""",
    ),
}


def rebuild_conversation_facts(connection: Any) -> None:
    """Recompute both facts of every ticket, writing only the tickets whose facts were wrong."""
    with connection.cursor() as cursor:
        for statement in _MESSAGE_STATEMENTS:
            cursor.execute(statement)
        for statement in _WAITED_STATEMENTS[connection.vendor]:
            cursor.execute(statement, [_WAITING])
