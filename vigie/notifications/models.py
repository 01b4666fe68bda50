"""The e-mail channel's records: messages going out, messages coming in, intake tokens.

``OutboundEmail`` is the delivery queue (one row per recipient, claimed with a
conditional update so that a message is never sent twice). ``InboundEmail`` keeps
every message received, with its raw bytes and what became of it: the rejected
ones are the "rejected folder", each with its reason.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.servicedesk.models import Comment, Ticket, TicketEvent
from vigie.tenancy.models import Organization


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundKind(models.TextChoices):
    CREATED = "created", _("New ticket")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")
    ASSIGNED = "assigned", _("Assignment")
    RESOLVED = "resolved", _("Resolution")
    REJECTION = "rejection", _("Rejected message")
    ESCALATION = "escalation", _("Escalation")
    SATISFACTION = "satisfaction", _("Satisfaction survey")
    APPROVAL = "approval", _("Approval request")
    DECISION = "decision", _("Approval decision")
    CONTRACT = "contract", _("Contract deadline")


class OutboundEmailQuerySet(models.QuerySet["OutboundEmail"]):
    def queued(self) -> OutboundEmailQuerySet:
        return self.filter(status=OutboundStatus.QUEUED)

    def for_ticket(self, ticket: Ticket) -> OutboundEmailQuerySet:
        return self.filter(ticket=ticket)


class OutboundEmail(models.Model):
    """One e-mail to one recipient, rendered in the recipient's language, waiting for or past delivery."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="outbound_emails"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_emails"
    )
    event = models.ForeignKey(TicketEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OutboundKind.choices)
    is_internal = models.BooleanField(_("internal"), default=False)
    to = models.EmailField(_("to"), max_length=254)
    reply_to = models.EmailField(_("reply to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "updated_at"], name="outbound_status_idx")]
        constraints = [
            # Preparing the notifications of an event twice (a retried task) never mails twice.
            models.UniqueConstraint(
                fields=["event", "to"], condition=models.Q(event__isnull=False), name="outbound_unique_event_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.to} · {self.subject}"


class InboundStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DUPLICATE = "duplicate", _("Duplicate")
    IGNORED = "ignored", _("Ignored")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


class InboundSource(models.TextChoices):
    IMAP = "imap", _("IMAP mailbox")
    HTTP = "http", _("Intake endpoint")
    COMMAND = "command", _("Command line")


def inbound_raw_path(instance: InboundEmail, filename: str) -> str:
    return f"inbound/{timezone.now():%Y/%m}/{instance.sha256}.eml"


class InboundEmailQuerySet(models.QuerySet["InboundEmail"]):
    def rejected(self) -> InboundEmailQuerySet:
        """The "rejected folder": messages kept with the reason they did not become a ticket or reply."""
        return self.filter(status__in=(InboundStatus.REJECTED, InboundStatus.FAILED))

    def visible_to(self, user: Any) -> InboundEmailQuerySet:
        """Provider staff see the mail of the clients they serve; mail that matched no client
        (an unknown support address) only the provider's administrators. Nobody else sees any."""
        from vigie.tenancy.access import access_for

        access = access_for(user)
        if not access.is_staff_member:
            return self.none()
        condition = models.Q(organization_id__in=access.company_wide_client_ids)
        if access.is_admin:
            condition |= models.Q(organization__isnull=True)
        return self.filter(condition)


class InboundEmail(models.Model):
    """One message received by e-mail, its raw bytes, and what became of it."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbound_emails",
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    comment = models.ForeignKey(
        Comment, verbose_name=_("reply"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("source"), max_length=12, choices=InboundSource.choices)
    raw = models.FileField(_("raw message"), upload_to=inbound_raw_path, max_length=300)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=InboundStatus.choices)
    reason_code = models.CharField(_("reason code"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    details: models.JSONField[dict[str, Any]] = models.JSONField(_("details"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    objects = InboundEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("incoming e-mail")
        verbose_name_plural = _("incoming e-mails")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "-received_at"], name="inbound_status_idx")]
        constraints = [
            # The same message delivered twice (two MX, a re-poll) is accepted once.
            models.UniqueConstraint(
                fields=["message_id"],
                condition=models.Q(status="accepted") & ~models.Q(message_id=""),
                name="inbound_unique_accepted_message_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender} · {self.subject}"


INTAKE_TOKEN_PREFIX = "vgi_"  # noqa: S105 - a visible prefix, not a secret


def hash_intake_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class InboundEmailTokenQuerySet(models.QuerySet["InboundEmailToken"]):
    def usable(self) -> InboundEmailTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class InboundEmailToken(models.Model):
    """The installation's secret that lets a mail server post raw messages to the intake endpoint.

    It grants nothing else: not a user's API token, so a leaked MTA configuration
    cannot read or change tickets. Only a SHA-256 hash is stored.
    """

    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("hint"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = InboundEmailTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail intake token")
        verbose_name_plural = _("e-mail intake tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def generate() -> str:
        return INTAKE_TOKEN_PREFIX + secrets.token_urlsafe(32)
