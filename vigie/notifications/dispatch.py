"""Turns ticket timeline events into queued e-mails.

Services call ``queue_ticket_notifications`` once their transaction has committed; the
rendering (one e-mail per recipient, in their language) and the delivery happen in
the worker, so a request never waits for templates or an SMTP server.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

logger = logging.getLogger(__name__)

_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar("vigie_notifications_suppressed", default=False)


@contextmanager
def notifications_suppressed() -> Iterator[None]:
    """Send nothing for the changes made inside the block (demo data, imports, bulk fixes)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def suppressed() -> bool:
    """Whether the current block asked for no e-mail (see ``notifications_suppressed``)."""
    return _suppressed.get()


def queue_ticket_notifications(event_ids: Sequence[int]) -> None:
    """Queue the notifications for these events (called after commit)."""
    ids = [int(pk) for pk in event_ids]
    if not ids or _suppressed.get():
        return
    from vigie.notifications.tasks import prepare_notifications

    try:
        prepare_notifications(ids)
    except Exception:
        # The change itself is committed; a queue outage must not turn it into an error page.
        logger.exception("Could not queue the notifications of events %s", ids)


def queue_survey_email(survey_id: int) -> None:
    """Queue the e-mail of a satisfaction survey (called after commit)."""
    if _suppressed.get():
        return
    from vigie.notifications.tasks import prepare_survey_email

    try:
        prepare_survey_email(int(survey_id))
    except Exception:
        logger.exception("Could not queue the e-mail of satisfaction survey %s", survey_id)
