"""Background work of notifications: send after commit, and each minute release what quiet
hours held, escalate, and retry what failed or was lost."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from vigie.monitoring.notify import planning, sending

logger = logging.getLogger(__name__)


@db_task()
def send_deliveries(delivery_ids: Sequence[int]) -> dict[int, str]:
    """Send these deliveries now; failures are retried by the sweep with backoff."""
    return sending.deliver_many(list(delivery_ids))


def queue_deliveries(delivery_ids: Sequence[int]) -> None:
    try:
        send_deliveries(list(delivery_ids))
    except Exception:
        logger.exception("Could not queue deliveries %s; the sweep will send them", list(delivery_ids))


def sweep() -> dict[int, str]:
    """One pass: release quiet-hour holds, plan escalations, send every due delivery."""
    now = timezone.now()
    sending.release_deferred(now)
    with transaction.atomic():
        planning.plan_escalations(now)
    return sending.deliver_many(sending.due_ids(now), now)


@db_periodic_task(crontab(minute="*"))
@lock_task("monitoring-notify-sweep")
def sweep_notifications() -> None:
    outcome = sweep()
    if outcome:
        logger.info("notification sweep: %s", outcome)
