"""Sending one delivery: e-mail through Django's mail backend, chat or SMS through Apprise.

A delivery is claimed with a conditional UPDATE (pending and due → lease until
``now + LEASE``), so two workers, a retried task and the sweep never send it at the same time.
A failure leaves it pending with ``next_attempt_at`` 1, 2, 4, 8, 16… minutes later and the
error in ``last_error``; after ``MAX_ATTEMPTS`` it is failed. A worker that dies after sending
and before recording it leaves the lease to expire: that delivery may go out twice (at least
once, never lost).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime, timedelta

import apprise
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone

from vigie.accounts.models import User
from vigie.monitoring.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    ChannelKind,
    DeliveryStatus,
    NotificationChannel,
    NotificationDelivery,
)
from vigie.monitoring.notify import messages

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
APPRISE_TIMEOUT = 15


class SendError(Exception):
    """The channel did not accept the notification."""


def addresses_of(channel: NotificationChannel) -> list[str]:
    return [line.strip() for line in channel.email_addresses.replace(",", "\n").splitlines() if line.strip()]


def _language_for(address: str) -> str:
    language = User.objects.filter(email__iexact=address).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def send_email(channel: NotificationChannel, alert: Alert, kind: str) -> None:
    """One message per address, each in its recipient's language (the installation's otherwise)."""
    outgoing = []
    for address in addresses_of(channel):
        rendered = messages.render(alert, kind, _language_for(address))
        message = EmailMultiAlternatives(
            subject=rendered.subject,
            body=rendered.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={
                "Auto-Submitted": "auto-generated",
                "X-Auto-Response-Suppress": "All",
                "Content-Language": rendered.language,
                "X-Vigie-Alert": str(alert.pk or ""),
            },
        )
        message.attach_alternative(rendered.html, "text/html")
        outgoing.append(message)
    if not outgoing:
        raise SendError("no address")
    try:
        with get_connection(fail_silently=False) as connection:
            connection.send_messages(outgoing)
    except (OSError, smtplib.SMTPException) as error:
        raise SendError(f"{type(error).__name__}: {error}") from error


def send_apprise(channel: NotificationChannel, alert: Alert, kind: str) -> None:
    rendered = messages.render(alert, kind, settings.LANGUAGE_CODE)
    notifier = apprise.Apprise()
    if not notifier.add(channel.apprise_url):
        raise SendError("Apprise does not understand this URL")
    notify_type = {
        "resolved": apprise.NotifyType.SUCCESS,
        "flapping": apprise.NotifyType.WARNING,
        "test": apprise.NotifyType.INFO,
    }.get(kind, apprise.NotifyType.FAILURE)
    result = notifier.notify(body=rendered.text.strip(), title=rendered.subject, notify_type=notify_type, timeout=APPRISE_TIMEOUT)
    if not result:
        details = "; ".join(entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR"))
        raise SendError(details or f"Apprise: {result.status.name}")


def send(channel: NotificationChannel, alert: Alert, kind: str) -> None:
    if channel.kind == ChannelKind.EMAIL:
        send_email(channel, alert, kind)
    else:
        send_apprise(channel, alert, kind)


def deliver(delivery_id: int, now: datetime | None = None) -> str:
    """Send one due delivery; returns ``sent``, ``retry``, ``failed`` or ``skipped``."""
    now = now or timezone.now()
    claimed = (
        NotificationDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    )
    if not claimed:
        return "skipped"
    delivery = NotificationDelivery.objects.select_related(
        "channel", "alert__organization", "alert__configuration_item", "alert__service", "alert__ticket"
    ).get(pk=delivery_id)
    kind = messages.kind_of(delivery.event_key)
    try:
        send(delivery.channel, delivery.alert, kind)
    except Exception as error:
        description = (str(error) or type(error).__name__)[:500]
        final = delivery.attempts >= MAX_ATTEMPTS
        NotificationDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
            next_attempt_at=None if final else now + FIRST_RETRY * 2 ** (delivery.attempts - 1),
            last_error=description,
        )
        logger.warning("Delivery %s (attempt %s) failed: %s", delivery.pk, delivery.attempts, description)
        return "failed" if final else "retry"
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    AlertEvent.objects.create(
        alert=delivery.alert,
        at=timezone.now(),
        kind=AlertEventKind.NOTIFIED,
        message=delivery.channel.name[:500],
        details={"channel": delivery.channel_id, "event": delivery.event_key},
    )
    return "sent"


def deliver_many(ids: Sequence[int], now: datetime | None = None) -> dict[int, str]:
    return {delivery_id: deliver(delivery_id, now) for delivery_id in ids}


def release_deferred(now: datetime | None = None) -> int:
    """Deliveries held for quiet hours whose hold is over become pending (returns how many)."""
    now = now or timezone.now()
    return NotificationDelivery.objects.filter(status=DeliveryStatus.DEFERRED, next_attempt_at__lte=now).update(
        status=DeliveryStatus.PENDING, next_attempt_at=None
    )


def due_ids(now: datetime | None = None) -> list[int]:
    """Pending deliveries due now: retries whose time came, leases that expired, lost tasks."""
    now = now or timezone.now()
    return list(
        NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
