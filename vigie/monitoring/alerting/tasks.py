"""Background work of alerts, run by the Huey worker: follow-up after commit, and a sweep each
minute for lost follow-ups, maintenance windows that closed and flapping that settled."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from vigie.monitoring.alerting import processing

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=30)
def follow_up_alerts(alert_ids: Sequence[int]) -> None:
    """Maintenance, flapping, incident rules and notifications of these alerts."""
    processing.follow_up_many(list(alert_ids))


def sweep() -> list[int]:
    """One pass of the periodic work; returns the alerts followed up."""
    ids = processing.settle_flapping() + processing.maintenance_ended() + processing.overdue_alert_ids()
    ordered = list(dict.fromkeys(ids))
    processing.follow_up_many(ordered)
    return ordered


@db_periodic_task(crontab(minute="*"))
@lock_task("monitoring-alerting-sweep")
def sweep_alerts() -> None:
    followed = sweep()
    if followed:
        logger.info("alerting sweep: %s alerts followed up", len(followed))
