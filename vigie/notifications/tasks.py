"""Background work of the e-mail channel, run by the Huey worker (SQLite or Redis, same tasks)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from vigie.notifications import composing, delivery

logger = logging.getLogger(__name__)


@db_task(retries=5, retry_delay=60, retry_backoff=2)
def deliver_email(email_id: int) -> str:
    """Send one queued e-mail; after a temporary SMTP failure Huey retries 1, 2, 4, 8 then 16
    minutes later, so an SMTP outage of half an hour loses nothing."""
    return delivery.deliver(email_id)


@db_task(retries=3, retry_delay=30)
def prepare_notifications(event_ids: Sequence[int]) -> list[int]:
    """Render the e-mails of these timeline events, then queue their delivery one by one."""
    email_ids = composing.prepare_event_emails(event_ids)
    for email_id in email_ids:
        deliver_email(email_id)
    return email_ids


@db_task(retries=3, retry_delay=30)
def prepare_survey_email(survey_id: int) -> int | None:
    """Render the e-mail of a satisfaction survey, then queue its delivery."""
    from vigie.notifications import surveys

    email_id = surveys.prepare_survey_email(survey_id)
    if email_id is not None:
        deliver_email(email_id)
    return email_id


@db_periodic_task(crontab(minute="*/10"))
def sweep_outbound_email() -> None:
    """Requeue e-mails whose task was lost, fail those interrupted while sending."""
    for email_id in delivery.sweep():
        deliver_email(email_id)


@db_periodic_task(crontab(minute="*"))
def poll_mailbox() -> None:
    """Fetch new messages from the IMAP mailbox, when one is configured.

    No lock: two overlapping polls are harmless, since a message is only marked seen
    after its commit and the intake ignores a message it already has."""
    if not settings.VIGIE.email.imap_host:
        return
    from vigie.servicedesk.inbound.imap import MailboxSettings, poll

    summary = poll(MailboxSettings.from_settings())
    if summary.fetched:
        logger.info("fetchmail: %s", summary)
