"""Rendering notification e-mails: one row per recipient, in the recipient's language and time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from vigie.notifications import threads
from vigie.notifications.models import OutboundEmail, OutboundKind
from vigie.notifications.recipients import Notice, recipients_for
from vigie.servicedesk.models import Ticket, TicketEvent

# A line the inbound side recognises (whatever its language) to cut the quoted history.
REPLY_MARKER_START = "##-"
REPLY_MARKER_END = "-##"
MAX_EVENT_AGE = timedelta(days=3)


def recipient_language(notice: Notice) -> str:
    user = notice.recipient.user
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def recipient_time_zone(notice: Notice) -> str:
    user = notice.recipient.user
    return getattr(user, "time_zone", "") or settings.TIME_ZONE


def ticket_url(ticket: Ticket, *, staff: bool) -> str:
    name = "servicedesk:ticket_detail" if staff else "portal:ticket_detail"
    return settings.SITE_URL + reverse(name, args=[ticket.reference])


def ticket_subject(ticket: Ticket) -> str:
    """The reference in brackets lets a reply find its ticket even without threading headers."""
    title = " ".join(ticket.title.split())  # a header is one line
    return f"[{ticket.reference}] {title}"[:300]


def _headline(kind: str, event: TicketEvent, notice: Notice) -> str:
    ticket = event.ticket
    actor = str(event.actor) if event.actor else _("Someone")
    values = {
        "reference": ticket.reference,
        "title": ticket.title,
        "client": ticket.organization.name,
        "requester": str(ticket.requester) if ticket.requester else _("the provider"),
        "author": actor,
        "group": str(ticket.group) if ticket.group else "",
    }
    if kind == OutboundKind.ACKNOWLEDGEMENT:
        return (
            _(
                "We have received your request “%(title)s”. Its reference is %(reference)s: keep it in the subject when you write to us about it."
            )
            % values
        )
    if kind == OutboundKind.CREATED:
        return _("New ticket %(reference)s for %(client)s, opened by %(requester)s.") % values
    if kind == OutboundKind.REPLY:
        return _("%(author)s replied on %(reference)s:") % values
    if kind == OutboundKind.NOTE:
        return _("%(author)s added an internal note on %(reference)s (not visible to the client):") % values
    if kind == OutboundKind.ASSIGNED:
        if ticket.assignee is None or notice.recipient.user is None:
            return _("Ticket %(reference)s is now assigned to your group %(group)s.") % values
        return _("Ticket %(reference)s is now assigned to you.") % values
    if kind == OutboundKind.RESOLVED:
        return _("Your ticket %(reference)s has been resolved.") % values
    return ticket_subject(ticket)


def _message(kind: str, event: TicketEvent) -> str:
    ticket = event.ticket
    if kind in (OutboundKind.REPLY, OutboundKind.NOTE) and event.comment is not None:
        return event.comment.body
    if kind == OutboundKind.RESOLVED:
        return str(event.data.get("resolution") or ticket.resolution)
    if kind in (OutboundKind.ACKNOWLEDGEMENT, OutboundKind.CREATED, OutboundKind.ASSIGNED):
        return ticket.description
    return ""


def _closing(kind: str) -> str:
    if kind == OutboundKind.RESOLVED:
        return _("If the problem is still there, reply to this e-mail and the ticket will be reopened.")
    if kind == OutboundKind.NOTE:
        return _("Internal notes are not sent to the client. Add your own note from the ticket page.")
    return _("Reply to this e-mail to add a message to the ticket.")


def render_notice(event: TicketEvent, notice: Notice) -> dict[str, Any]:
    """Subject and bodies of one notice, in the recipient's language and time zone."""
    ticket = event.ticket
    language = recipient_language(notice)
    staff = notice.recipient.is_staff
    with translation.override(language), timezone.override(recipient_time_zone(notice)):
        context = {
            "ticket": ticket,
            "headline": _headline(notice.kind, event, notice),
            "message": _message(notice.kind, event),
            "closing": _closing(notice.kind),
            "url": ticket_url(ticket, staff=staff),
            "reply_marker": " ".join((REPLY_MARKER_START, str(_("Please type your reply above this line")), REPLY_MARKER_END)),
            "facts": [
                (capfirst(Ticket._meta.get_field("organization").verbose_name), ticket.organization.name),
                (capfirst(Ticket._meta.get_field("status").verbose_name), ticket.get_status_display()),
                (capfirst(Ticket._meta.get_field("priority").verbose_name), ticket.get_priority_display()),
                (capfirst(Ticket._meta.get_field("requester").verbose_name), str(ticket.requester or "—")),
            ],
            "is_internal": notice.kind == OutboundKind.NOTE,
            "language": language,
            "event_at": event.at,
        }
        return {
            "subject": ticket_subject(ticket),
            "body_text": render_to_string("notifications/ticket_email.txt", context),
            "body_html": render_to_string("notifications/ticket_email.html", context),
            "language": language,
        }


def prepare_event_emails(event_ids: Sequence[int]) -> list[int]:
    """Create the queued e-mails for these events; return their ids. Safe to run twice."""
    created: list[int] = []
    # News of something that happened days ago (imported or generated history, a backlog
    # after a long worker outage) is noise, and mailing it would surprise everyone.
    oldest = timezone.now() - MAX_EVENT_AGE
    events = TicketEvent.objects.filter(pk__in=list(event_ids), at__gte=oldest).select_related(
        "ticket__organization", "ticket__requester", "ticket__assignee", "ticket__group", "actor", "comment"
    )
    for event in events.order_by("at", "id"):
        ticket = event.ticket
        for notice in recipients_for(event):
            if OutboundEmail.objects.filter(event=event, to=notice.recipient.address).exists():
                continue
            rendered = render_notice(event, notice)
            try:
                with transaction.atomic():
                    in_reply_to, references = threads.thread_headers(ticket, notice.recipient.address)
                    email = OutboundEmail.objects.create(
                        organization=ticket.organization,
                        ticket=ticket,
                        event=event,
                        recipient=notice.recipient.user,
                        kind=notice.kind,
                        is_internal=notice.kind == OutboundKind.NOTE,
                        to=notice.recipient.address,
                        reply_to=ticket.organization.support_email,
                        message_id=threads.ticket_message_id(ticket),
                        in_reply_to=in_reply_to,
                        references=references,
                        **rendered,
                    )
                    threads.record_message_id(ticket, email.message_id)
            except IntegrityError:
                continue  # prepared concurrently by another worker
            created.append(email.pk)
    return created
