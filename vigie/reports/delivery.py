"""E-mailing the monthly service review to each client's managers, once per client and month.

The review goes out as a PDF attachment, rendered in each recipient's language and time zone.
The e-mail queue of the notifications (``OutboundEmail``) holds text and HTML only, not
attachments, so these messages are sent here, through the same Django e-mail backend, from
the worker: a temporary SMTP failure before anything left raises ``ReviewDeferred`` and the
task is retried later; once at least one manager has it, a ``ReviewDelivery`` row records
who got it, and its unique constraint (client, month) keeps every later run from sending again.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import make_msgid

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.reports import documents, formatting
from vigie.reports.models import ReviewDelivery
from vigie.reports.periods import Month
from vigie.reports.review import Review
from vigie.tenancy.models import Organization, Role

logger = logging.getLogger(__name__)

# While one run renders and sends a client's review, a second run of the same client waits its turn.
LOCK_SECONDS = 15 * 60


class ReviewDeferred(Exception):
    """The SMTP server could not take any of the messages: nothing was sent, try again later."""


@dataclass
class SendResult:
    organization: Organization
    month: Month
    status: str  # sent, already_sent, no_recipient, busy, refused
    recipients: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def clients_to_review() -> QuerySet[Organization]:
    """Active client companies with at least one active client manager."""
    return (
        Organization.objects.clients()
        .active()
        .filter(memberships__role=Role.CLIENT_MANAGER, memberships__user__is_active=True)
        .distinct()
        .order_by("name")
    )


def _time_zone(user: User) -> str:
    return user.time_zone or settings.TIME_ZONE


def _message(manager: User, review: Review, pdf: bytes) -> EmailMultiAlternatives:
    organization, month = review.organization, review.month
    url = settings.SITE_URL + reverse(
        "client_reports:review", kwargs={"organization_slug": organization.slug, "month": str(month)}
    )
    context = {
        "review": review,
        "manager": manager,
        "url": url,
        "highlights": [
            (_("Tickets opened"), str(review.report.opened)),
            (_("Tickets resolved"), str(review.report.resolved)),
            (_("Resolved within the SLA"), formatting.percent(review.report.resolution_compliance.rate)),
            (_("Answered within the SLA"), formatting.percent(review.report.response_compliance.rate)),
            (_("Satisfied requesters (CSAT)"), formatting.percent(review.report.csat.rate, 0)),
            (_("Tickets that missed the SLA"), str(review.breached_total)),
        ],
    }
    subject = _("Monthly service review · %(client)s · %(month)s") % {"client": organization.name, "month": review.month_label}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reports/review_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[manager.email],
        reply_to=[organization.support_email] if organization.support_email else None,
        headers={
            "Message-ID": make_msgid(f"review-{organization.slug}-{month}", domain="vigie"),
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "Content-Language": review.language,
        },
    )
    message.attach_alternative(render_to_string("reports/review_email.html", context), "text/html")
    message.attach(documents.filename(organization, month), pdf, "application/pdf")
    return message


def compose(organization: Organization, month: Month, managers: list[User], now: datetime) -> list[EmailMultiAlternatives]:
    """One message per manager, in their language and time zone; a PDF rendered once per pair."""
    rendered: dict[tuple[str, str], tuple[Review, bytes]] = {}
    messages = []
    for manager in managers:
        language, zone = documents.language_of(manager), _time_zone(manager)
        if (language, zone) not in rendered:
            # The review is built as a manager sees it: the whole company, nothing else.
            rendered[(language, zone)] = documents.review_pdf(
                manager, organization, month, language=language, time_zone=zone, now=now
            )
        review, pdf = rendered[(language, zone)]
        with translation.override(language), timezone.override(zone):
            messages.append(_message(manager, review, pdf))
    return messages


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _send(messages: list[EmailMultiAlternatives]) -> tuple[list[str], list[str]]:
    """Send each message; return who got it and what went wrong. Raises ``ReviewDeferred``
    when a temporary failure happened before any message left."""
    sent: list[str] = []
    problems: list[str] = []
    try:
        with get_connection(fail_silently=False) as connection:
            for message in messages:
                try:
                    connection.send_messages([message])
                except (OSError, smtplib.SMTPException) as error:
                    description = f"{message.to[0]}: {type(error).__name__}: {error}"[:500]
                    if _is_permanent(error):
                        problems.append(description)
                        continue
                    if not sent:
                        raise ReviewDeferred(description) from error
                    problems.append(description)
                    break
                sent.extend(message.to)
    except ReviewDeferred:
        raise
    except (OSError, smtplib.SMTPException) as error:  # the connection itself (refused, timeout, TLS)
        if not sent:
            raise ReviewDeferred(f"{type(error).__name__}: {error}") from error
        problems.append(f"{type(error).__name__}: {error}")
    return sent, problems


def send_review(organization: Organization, month: Month, *, force: bool = False, now: datetime | None = None) -> SendResult:
    """E-mail the review of ``month`` to the client's managers, unless it was already sent
    (``force`` sends it again and records the new sending)."""
    now = now or timezone.now()
    already = ReviewDelivery.objects.filter(organization=organization, month=month.first_day)
    if already.exists() and not force:
        return SendResult(organization, month, "already_sent", list(already.values_list("recipients", flat=True).first() or []))
    managers = [manager for manager in documents.client_managers(organization) if manager.email]
    if not managers:
        return SendResult(organization, month, "no_recipient")
    lock = f"vigie:review-sending:{organization.pk}:{month}"
    if not cache.add(lock, "1", LOCK_SECONDS):
        return SendResult(organization, month, "busy")
    try:
        if already.exists() and not force:  # sent by another run while this one waited for the lock
            return SendResult(organization, month, "already_sent")
        sent, problems = _send(compose(organization, month, managers, now))
        if not sent:
            logger.warning("Review of %s for %s refused for every recipient: %s", organization.slug, month, problems)
            return SendResult(organization, month, "refused", [], problems)
        languages = ",".join(sorted({documents.language_of(m) for m in managers if m.email in sent}))
        try:
            with transaction.atomic():
                ReviewDelivery.objects.update_or_create(
                    organization=organization,
                    month=month.first_day,
                    defaults={"language": languages[:8], "recipients": sent, "sent_at": timezone.now()},
                )
        except IntegrityError:
            logger.warning("Review of %s for %s recorded twice at the same time", organization.slug, month)
        if problems:
            logger.warning("Review of %s for %s not delivered to some recipients: %s", organization.slug, month, problems)
        return SendResult(organization, month, "sent", sent, problems)
    finally:
        cache.delete(lock)
