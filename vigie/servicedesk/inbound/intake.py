"""The e-mail intake: one raw message in, a new ticket, a reply, or a kept rejection out.

Every message is recorded as an ``InboundEmail`` with its raw bytes, in the same
transaction as the ticket or reply it produced, so nothing is half-written: either
the ticket and the record exist together, or (after an unexpected error) only a
``failed`` record with the error. The same message delivered twice (same bytes, or
same Message-ID) changes nothing the second time.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.notifications.models import InboundEmail, InboundSource, InboundStatus, OutboundEmail, OutboundKind
from vigie.notifications.replies import queue_rejection_reply
from vigie.servicedesk import permissions, services
from vigie.servicedesk.attachments import check_file
from vigie.servicedesk.inbound import loops, routing
from vigie.servicedesk.inbound.parsing import ParsedMessage, parse_message, read_headers
from vigie.servicedesk.inbound.text import strip_quoted
from vigie.servicedesk.models import Channel, Comment, Ticket, TicketStatus
from vigie.tenancy.models import Membership, Organization, Role, UnknownSenderPolicy

logger = logging.getLogger(__name__)

HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
MAX_REJECTION_REPLIES_PER_HOUR = 3


@dataclass(frozen=True)
class IntakeResult:
    status: str
    reason_code: str = ""
    reason: str = ""
    inbound_id: int | None = None
    ticket: str | None = None
    comment_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "inbound_id": self.inbound_id,
            "ticket": self.ticket,
            "comment_id": self.comment_id,
        }


@dataclass
class _Outcome:
    status: str
    reason_code: str = ""
    reason: str = ""
    client: Organization | None = None
    ticket: Ticket | None = None
    comment: Comment | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _result(record: InboundEmail, *, duplicate: bool = False) -> IntakeResult:
    ticket = record.ticket
    if duplicate:
        return IntakeResult(
            status=InboundStatus.DUPLICATE,
            reason_code="duplicate",
            reason=_("This message was already received."),
            inbound_id=record.pk,
            ticket=ticket.reference if ticket else None,
            comment_id=record.comment_id,
        )
    return IntakeResult(
        status=record.status,
        reason_code=record.reason_code,
        reason=record.reason,
        inbound_id=record.pk,
        ticket=ticket.reference if ticket else None,
        comment_id=record.comment_id,
    )


def _without_mbox_line(raw: bytes) -> bytes:
    """Drop the ``From sender date`` line an MTA pipe may put before the headers."""
    if raw.startswith(b"From "):
        return raw.partition(b"\n")[2]
    return raw


def _store_raw(record: InboundEmail, raw: bytes) -> None:
    if record.raw.name and default_storage.exists(record.raw.name):
        return
    name = f"inbound/{timezone.now():%Y/%m}/{record.sha256}.eml"
    if default_storage.exists(name):
        record.raw.name = name
    else:
        record.raw.save(name.rsplit("/", 1)[1], ContentFile(raw), save=False)


def process_message(raw: bytes, *, source: str = InboundSource.COMMAND, _retry: bool = False) -> IntakeResult:
    """Turn one raw RFC 822 message into a ticket, a reply or a kept rejection."""
    raw = _without_mbox_line(raw)
    sha256 = hashlib.sha256(raw).hexdigest()
    existing = InboundEmail.objects.filter(sha256=sha256).select_related("ticket").first()
    if existing is not None and existing.status != InboundStatus.FAILED:
        return _result(existing, duplicate=True)
    try:
        with transaction.atomic():
            record = _process(raw, sha256, source, existing)
    except IntegrityError:
        # The same message (same bytes, or same Message-ID) accepted at the same moment by
        # another worker: once that one is committed, a second pass records a duplicate.
        if not _retry:
            return process_message(raw, source=source, _retry=True)
        logger.exception("E-mail intake: integrity error on message %s", sha256)
        record = _record_failure(raw, sha256, source, "integrity", _("The message conflicts with one being processed."))
    except Exception as error:
        logger.exception("E-mail intake failed on message %s", sha256)
        record = _record_failure(raw, sha256, source, "error", f"{type(error).__name__}: {error}"[:2000])
    return _result(record)


def _record_failure(raw: bytes, sha256: str, source: str, code: str, reason: str) -> InboundEmail:
    with transaction.atomic():
        record = InboundEmail.objects.filter(sha256=sha256).first() or InboundEmail(sha256=sha256, source=source, size=len(raw))
        _store_raw(record, raw)
        try:
            _describe(record, read_headers(raw))
        except Exception:
            logger.exception("E-mail intake: even the headers of %s are unreadable", sha256)
        record.status = InboundStatus.FAILED
        record.reason_code = code
        record.reason = reason
        record.processed_at = timezone.now()
        record.save()
    return record


def _describe(record: InboundEmail, parsed: ParsedMessage) -> None:
    record.message_id = parsed.message_id[:255]
    record.sender = parsed.sender[:254]
    record.subject = parsed.subject[:300]


def _process(raw: bytes, sha256: str, source: str, existing: InboundEmail | None) -> InboundEmail:
    record = existing or InboundEmail(sha256=sha256, source=source, size=len(raw))
    _store_raw(record, raw)
    outcome = _decide(raw, record)
    record.status = outcome.status
    record.reason_code = outcome.reason_code
    record.reason = outcome.reason
    record.organization = outcome.client
    record.ticket = outcome.ticket
    record.comment = outcome.comment
    record.details = outcome.details
    record.processed_at = timezone.now()
    record.save()
    return record


def _decide(raw: bytes, record: InboundEmail) -> _Outcome:
    limit = settings.VIGIE_MAX_INBOUND_EMAIL_BYTES
    if len(raw) > limit:
        parsed = read_headers(raw)
        _describe(record, parsed)
        client = routing.find_client(parsed)
        reason = _("The message is too large (%(size)s); the limit is %(limit)s.") % {
            "size": filesizeformat(len(raw)),
            "limit": filesizeformat(limit),
        }
        return _reject(parsed, client, "too_large", reason, reply=True)
    if not HEADER_LINE.match(raw.lstrip()):
        return _Outcome(InboundStatus.REJECTED, "malformed", _("This is not an e-mail message: it has no headers."))
    parsed = parse_message(raw)
    _describe(record, parsed)
    details: dict[str, Any] = {"problems": parsed.problems} if parsed.problems else {}
    if not parsed.sender:
        return _Outcome(InboundStatus.REJECTED, "no_sender", _("The message has no sender address."), details=details)
    automatic = loops.automatic_reason(parsed)
    if automatic is not None:
        return _Outcome(InboundStatus.IGNORED, automatic[0], automatic[1], details=details)
    client = routing.find_client(parsed)
    if client is None:
        addresses = ", ".join(parsed.recipients) or _("none")
        reason = _("No client uses any of the addresses this message was sent to (%(addresses)s).") % {"addresses": addresses}
        return _Outcome(InboundStatus.REJECTED, "unknown_recipient", reason, details=details)
    if parsed.message_id and InboundEmail.objects.filter(message_id=parsed.message_id, status=InboundStatus.ACCEPTED).exists():
        return _Outcome(InboundStatus.DUPLICATE, "duplicate", _("This message was already received."), client=client)
    try:
        with transaction.atomic():
            sender, refusal = _sender(parsed, client)
            if sender is not None:
                outcome = _file(parsed, client, sender)
                if outcome.status == InboundStatus.REJECTED:
                    raise _Rollback(outcome)
    except _Rollback as rollback:
        outcome = rollback.outcome
    if sender is None:
        assert refusal is not None
        outcome = _reject(parsed, client, refusal[0], refusal[1], reply=True)
    outcome.details.update(details)
    return outcome


class _Rollback(Exception):
    """Undo what filing a message wrote (a requester created for it, say) and keep the outcome."""

    def __init__(self, outcome: _Outcome) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome


def _reject(parsed: ParsedMessage, client: Organization | None, code: str, reason: str, *, reply: bool) -> _Outcome:
    outcome = _Outcome(InboundStatus.REJECTED, code, reason, client=client)
    if reply and client is not None and parsed.sender and loops.automatic_reason(parsed) is None:
        if _replies_lately(parsed.sender) >= MAX_REJECTION_REPLIES_PER_HOUR:
            # A sender that keeps writing (or a robot we failed to recognise) is answered a few
            # times, not once per message: two machines must never ping-pong.
            outcome.details["reply"] = "withheld: too many answers to this sender in the last hour"
            return outcome
        answer = queue_rejection_reply(
            organization=client,
            to=parsed.sender,
            original_subject=parsed.subject,
            original_message_id=parsed.message_id,
            explanation=_explanation(code, client),
        )
        outcome.details["reply_id"] = answer.pk
    return outcome


def _replies_lately(sender: str) -> int:
    since = timezone.now() - timedelta(hours=1)
    return OutboundEmail.objects.filter(kind=OutboundKind.REJECTION, to__iexact=sender, created_at__gte=since).count()


def _explanation(code: str, client: Organization) -> str:
    """What the sender is told, in words that do not reveal who else uses the service."""
    values = {"client": client.name, "address": client.support_email}
    if code == "too_large":
        limit = filesizeformat(settings.VIGIE_MAX_INBOUND_EMAIL_BYTES)
        return _(
            "Your message to %(address)s is too large to be registered (the limit is %(limit)s). Send large files by another means and write again."
        ) % {
            **values,
            "limit": limit,
        }
    return (
        _(
            "Your address is not registered with the support service of %(client)s, so your message to %(address)s was not registered. Ask your company's IT contact to add you, then write again."
        )
        % values
    )


def _sender(parsed: ParsedMessage, client: Organization) -> tuple[User | None, tuple[str, str] | None]:
    """The user behind the sender address, created under the client's policy, or why not."""
    user = routing.find_sender(parsed)
    if user is not None:
        if not user.is_active:
            return None, ("inactive_sender", _("The sender's account is deactivated."))
        if permissions.serves(user, client.pk) or routing.is_member(user, client):
            return user, None
        return None, (
            "not_member",
            _("The sender %(sender)s is not a member of %(client)s.") % {"sender": parsed.sender, "client": client.name},
        )
    if client.unknown_sender_policy != UnknownSenderPolicy.CREATE_REQUESTER:
        return None, (
            "unknown_sender",
            _("Unknown sender %(sender)s; %(client)s accepts known senders only.")
            % {"sender": parsed.sender, "client": client.name},
        )
    domain = parsed.sender.rpartition("@")[2]
    domains = client.domain_list()
    if domains and domain not in domains:
        return None, (
            "unknown_sender",
            _("Unknown sender %(sender)s: %(domain)s is not one of the e-mail domains of %(client)s.")
            % {"sender": parsed.sender, "domain": domain, "client": client.name},
        )
    return _create_requester(parsed, client), None


def _create_requester(parsed: ParsedMessage, client: Organization) -> User:
    first, _space, last = parsed.sender_name.replace('"', "").strip().partition(" ")
    user = User.objects.create_user(email=parsed.sender, password=None, first_name=first[:150], last_name=last[:150])
    Membership.objects.create(user=user, organization=client, role=Role.REQUESTER)
    logger.info("E-mail intake: created requester %s for %s", user.email, client.slug)
    return user


def _uploads(parsed: ParsedMessage) -> tuple[list[services.Upload], list[str]]:
    """The attachments that pass the checks, and a sentence for each one refused."""
    accepted: list[services.Upload] = []
    refused: list[str] = []
    for part in parsed.attachments:
        try:
            check_file(part.filename, part.data)
        except ValidationError as error:
            refused.append(" ".join(error.messages))
            continue
        accepted.append(services.Upload(filename=part.filename, data=part.data))
    return accepted, refused


def _with_refusals(text: str, refused: list[str]) -> str:
    if not refused:
        return text
    lines = "\n".join(f"[{_('Attachment refused')}: {message}]" for message in refused)
    return f"{text}\n\n{lines}".strip()


def _answers_internal_note(parsed: ParsedMessage) -> bool:
    """A technician answering the mail of an internal note writes another internal note."""
    ids = parsed.thread_ids
    return bool(ids) and OutboundEmail.objects.filter(message_id__in=ids, is_internal=True).exists()


def _file(parsed: ParsedMessage, client: Organization, sender: User) -> _Outcome:
    uploads, refused = _uploads(parsed)
    details: dict[str, Any] = {"attachments": len(uploads)}
    if refused:
        details["attachment_errors"] = refused
    ticket, matched_by = routing.find_ticket(parsed, client)
    staff = permissions.can_work(sender, ticket) if ticket is not None else False
    follow_up_of: Ticket | None = None
    if ticket is not None:
        details["matched_by"] = matched_by
        closed_to_sender = ticket.status == TicketStatus.CANCELLED or (ticket.status == TicketStatus.CLOSED and not staff)
        if closed_to_sender or not permissions.can_reply(sender, ticket):
            follow_up_of, ticket = ticket, None
    try:
        if ticket is not None:
            comment = services.add_comment(
                ticket,
                by=sender,
                body=_with_refusals(strip_quoted(parsed.text), refused),
                internal=staff and _answers_internal_note(parsed),
                channel=Channel.EMAIL,
                uploads=uploads,
                author_email=parsed.sender,
                message_id=parsed.message_id,
            )
            return _Outcome(
                InboundStatus.ACCEPTED,
                "reply",
                _("Added to %(reference)s.") % {"reference": ticket.reference},
                client,
                ticket,
                comment,
                details,
            )
        description = _with_refusals(parsed.text, refused)
        if follow_up_of is not None:
            details["follow_up_of"] = follow_up_of.reference
            description = f"{_('Follow-up of %(reference)s.') % {'reference': follow_up_of.reference}}\n\n{description}".strip()
        created = services.open_ticket(
            by=sender,
            organization=client,
            title=parsed.subject.strip() or _("(no subject)"),
            description=description,
            channel=Channel.EMAIL,
            uploads=uploads,
            message_id=parsed.message_id,
        )
        return _Outcome(
            InboundStatus.ACCEPTED,
            "new_ticket",
            _("Opened %(reference)s.") % {"reference": created.reference},
            client,
            created,
            None,
            details,
        )
    except (ValidationError, PermissionDenied) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        return _Outcome(InboundStatus.REJECTED, "invalid", " ".join(messages), client=client, details=details)
