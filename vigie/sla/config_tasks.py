"""Background recomputation after a calendar or a policy changed, run by the Huey worker.

A policy of a large client may apply to thousands of open tickets: the services queue these
tasks once their transaction has committed instead of recomputing inside the request.
(``vigie.sla.apps`` imports this module so that the worker knows the tasks.)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from huey.contrib.djhuey import db_task

from vigie.servicedesk.models import Ticket
from vigie.sla import clocks
from vigie.sla.models import BusinessCalendar, SlaPolicy

logger = logging.getLogger(__name__)


@db_task(retries=2, retry_delay=30)
def recompute_policy(policy_id: int) -> int:
    """The clocks of the tickets a changed policy applies to (or applied to)."""
    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        return 0
    count = clocks.recompute_for_policy(policy)
    logger.info("SLA policy %s changed: %s tickets recomputed", policy_id, count)
    return count


@db_task(retries=2, retry_delay=30)
def recompute_calendar(calendar_id: int) -> int:
    """The clocks of the tickets whose policy or target runs on a changed calendar."""
    calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        return 0
    count = clocks.recompute_for_calendar(calendar)
    logger.info("Business calendar %s changed: %s tickets recomputed", calendar_id, count)
    return count


@db_task(retries=2, retry_delay=30)
def refresh_tickets(ticket_ids: Sequence[int]) -> int:
    """The clocks of tickets whose policy was deleted: each finds its policy again (or none)."""
    count = 0
    for ticket in Ticket.objects.filter(pk__in=list(ticket_ids)).iterator():
        with transaction.atomic():
            clocks.refresh(ticket)
        count += 1
    return count
