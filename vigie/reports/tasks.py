"""Background work of the reports, run by the Huey worker: the monthly reviews go out on the 1st."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from vigie.reports import delivery
from vigie.reports.kpis import monthly
from vigie.reports.periods import Month, provider_zone
from vigie.tenancy.models import Organization

logger = logging.getLogger(__name__)

# The reviews leave at 06:00, provider time, on the 1st: in the inbox before the working day.
REVIEW_DAY = 1
REVIEW_HOUR = 6


def is_review_time(timestamp: datetime) -> bool:
    """Huey's schedule test: the 1st of the month at 06:00 in the provider's time zone (DST included).

    Huey hands a naive timestamp, in UTC when it runs in UTC (its default), else in local time.
    """
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC) if HUEY.utc else timestamp.astimezone()
    local = timestamp.astimezone(provider_zone())
    return local.day == REVIEW_DAY and local.hour == REVIEW_HOUR and local.minute == 0


@db_task(retries=5, retry_delay=300, retry_backoff=2)
def send_review(organization_id: int, month: str) -> str:
    """E-mail one client's review; after a temporary SMTP failure Huey retries 5, 10, 20, 40
    then 80 minutes later. A review already sent is never sent again."""
    organization = Organization.objects.get(pk=organization_id)
    result = delivery.send_review(organization, Month.parse(month))
    if result.problems:
        logger.warning("Review of %s for %s: %s", organization.slug, month, "; ".join(result.problems))
    return result.status


@db_periodic_task(is_review_time)
def send_monthly_reviews() -> list[int]:
    """Queue last month's review of every active client that has a client manager."""
    month = str(Month.last())
    queued = []
    for organization in delivery.clients_to_review():
        send_review(organization.pk, month)
        queued.append(organization.pk)
    return queued


@db_periodic_task(crontab(minute="23"))
def refresh_monthly_figures() -> int:
    """Every hour: the figures of the closed months that trends and reviews read."""
    return monthly.refresh()


@db_task()
def refresh_monthly_figures_soon() -> int:
    """After a history import, whose tickets land in closed months."""
    return monthly.refresh()
