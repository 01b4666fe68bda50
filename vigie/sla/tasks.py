"""Background work of the SLA engine, run by the Huey worker (SQLite or Redis, same tasks).

Every minute, clocks whose at-risk or due moment has passed change state (plain UPDATEs) and
due escalations fire; every hour, the clocks of all open tickets are recomputed from their
history, which absorbs calendar edits (a new closure, a holiday region) made without a call to
``recompute_for_calendar``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from vigie.servicedesk.models import Ticket
from vigie.sla import clocks, escalations

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def watch_sla_clocks() -> None:
    """At risk, breached, and escalations: cheap enough to run every minute."""
    now = timezone.now()
    changed = clocks.advance_states(now)
    fired = escalations.run_escalations(now)
    if changed or fired:
        logger.info("SLA clocks: %s state changes, %s escalations fired", changed, fired)


@db_periodic_task(crontab(minute="17"))
def recompute_open_sla_clocks() -> None:
    """Recompute every open ticket's clocks; one run at a time across workers."""
    try:
        with HUEY.lock_task("sla-recompute-open"):
            summary = clocks.recompute(Ticket.objects.open())
    except TaskLockedException:
        logger.info("SLA recomputation already running; skipped")
        return
    logger.info("SLA clocks of %s open tickets recomputed in %.1f s", summary.tickets, summary.seconds)


@db_task(retries=2, retry_delay=60)
def recompute_clients(organization_ids: Sequence[int]) -> int:
    """Recompute the open tickets of these clients in the background (after a configuration
    change that touches many tickets)."""
    return clocks.recompute_for_organizations(organization_ids)
