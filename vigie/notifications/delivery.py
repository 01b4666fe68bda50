"""Delivering one queued e-mail through Django's e-mail backend (SMTP in production).

The row is claimed with a conditional UPDATE (``queued`` → ``sending``) before the
SMTP conversation, so two workers, a retried task and the periodic sweep can never
send the same message twice. A temporary failure puts the row back in the queue and
raises, so that the task is retried later; a permanent one (5xx) fails it at once.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F
from django.utils import timezone

from vigie.notifications.models import OutboundEmail, OutboundStatus

logger = logging.getLogger(__name__)

# One first attempt and five retries, as configured on the delivery task.
MAX_ATTEMPTS = 6
# A row left "sending" this long was interrupted mid-conversation: it may or may not have
# left, so it is failed for a human to look at rather than sent again.
STALE_SENDING_AFTER = timedelta(minutes=15)
# A row still queued this long lost its task (queue flushed, worker down when enqueued).
STALE_QUEUED_AFTER = timedelta(minutes=10)


class DeliveryDeferred(Exception):
    """A temporary failure: the e-mail is back in the queue and the task should retry."""


def build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": email.message_id,
        "Auto-Submitted": "auto-generated",
        # Ask Exchange and friends not to answer with out-of-office messages.
        "X-Auto-Response-Suppress": "All",
    }
    if email.in_reply_to:
        headers["In-Reply-To"] = email.in_reply_to
    if email.references:
        headers["References"] = email.references
    if email.language:
        headers["Content-Language"] = email.language
    if email.ticket_id and email.ticket is not None:
        headers["X-Vigie-Ticket"] = email.ticket.reference
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers=headers,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def deliver(email_id: int) -> str:
    """Send one queued e-mail; return ``sent``, ``failed`` or ``skipped`` (not queued any more).

    Raises ``DeliveryDeferred`` after a temporary failure, once the row is back in the queue.
    """
    now = timezone.now()
    claimed = OutboundEmail.objects.filter(pk=email_id, status=OutboundStatus.QUEUED).update(
        status=OutboundStatus.SENDING, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return "skipped"
    email = OutboundEmail.objects.select_related("ticket").get(pk=email_id)
    try:
        message = build_message(email)
        message.message()  # header checks (a stray newline, a bad address) fail here, for good
    except Exception as error:
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=OutboundStatus.FAILED, last_error=f"{type(error).__name__}: {error}"[:2000], updated_at=timezone.now()
        )
        logger.warning("E-mail %s cannot be built: %s", email.pk, error)
        return "failed"
    try:
        with get_connection(fail_silently=False) as connection:
            connection.send_messages([message])
    except (OSError, smtplib.SMTPException) as error:
        description = f"{type(error).__name__}: {error}"[:2000]
        final = _is_permanent(error) or email.attempts >= MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=OutboundStatus.FAILED if final else OutboundStatus.QUEUED,
            last_error=description,
            updated_at=timezone.now(),
        )
        if final:
            logger.warning("E-mail %s to %s failed for good: %s", email.pk, email.to, description)
            return "failed"
        logger.info("E-mail %s to %s deferred (attempt %s): %s", email.pk, email.to, email.attempts, description)
        raise DeliveryDeferred(description) from error
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundStatus.SENT, sent_at=timezone.now(), last_error="", updated_at=timezone.now()
    )
    return "sent"


def sweep() -> list[int]:
    """Fail rows stuck in ``sending``; return the ids of queued rows whose task was lost."""
    now = timezone.now()
    OutboundEmail.objects.filter(status=OutboundStatus.SENDING, updated_at__lt=now - STALE_SENDING_AFTER).update(
        status=OutboundStatus.FAILED,
        last_error="Interrupted during delivery: it may or may not have been sent.",
        updated_at=now,
    )
    return list(
        OutboundEmail.objects.filter(status=OutboundStatus.QUEUED, updated_at__lt=now - STALE_QUEUED_AFTER)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )
