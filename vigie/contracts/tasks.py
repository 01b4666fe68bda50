"""Background work of the contracts, run by the Huey worker every morning: tacit renewals roll
forward, then the reminders due today go out (each at most once, see ``reminders``)."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task
from huey.exceptions import TaskLockedException

from vigie.contracts import reminders, services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="5", minute="40"))
def watch_contract_deadlines() -> tuple[int, int]:
    """Daily: renew what renewed tacitly, then remind of the deadlines ahead."""
    try:
        with HUEY.lock_task("contracts-deadlines"):
            today = timezone.localdate()
            moved = services.roll_tacit_renewals(today)
            sent = reminders.send_reminders(today)
    except TaskLockedException:
        logger.info("Contract deadlines already being watched; skipped")
        return (0, 0)
    if moved or sent:
        logger.info("Contracts: %s tacit renewals, %s reminders sent", len(moved), sent)
    return (len(moved), sent)
