"""E-mails of the catalog: "a request waits for your approval" to each approver, and "your request
was rejected" to the requester. Rendered per recipient (language, time zone) into the
notifications queue (``OutboundEmail``), threaded with the ticket, delivered by the worker after
the transaction commits — like the SLA escalation e-mails."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.catalog.models import ApprovalRule, ServiceRequest
from vigie.notifications import threads
from vigie.notifications.composing import ticket_url
from vigie.notifications.models import OutboundEmail, OutboundKind
from vigie.tenancy.models import Membership, Role

logger = logging.getLogger(__name__)

# Approval requests and decisions have kinds of their own in the outgoing-mail log.
APPROVAL_KIND = OutboundKind.APPROVAL
DECISION_KIND = OutboundKind.DECISION


def approvers_of(request: ServiceRequest) -> list[User]:
    """Everyone who may decide a pending request, active and with an address."""
    if request.approval_rule == ApprovalRule.NAMED:
        people = [request.approver] if request.approver is not None else []
    elif request.approval_rule == ApprovalRule.CLIENT_MANAGER:
        memberships = Membership.objects.filter(organization_id=request.organization_id, role=Role.CLIENT_MANAGER)
        people = [m.user for m in memberships.select_related("user").order_by("pk")]
    else:
        people = []
    return [person for person in people if person is not None and person.is_active and person.email]


def _language(user: User) -> str:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _render(request: ServiceRequest, user: User, *, rejected: bool) -> dict[str, Any]:
    ticket = request.ticket
    language = _language(user)
    with translation.override(language), timezone.override(getattr(user, "time_zone", "") or settings.TIME_ZONE):
        values = {"template": request.template_name, "requester": str(ticket.requester or "—"), "reference": ticket.reference}
        if rejected:
            headline = _("Your request %(reference)s “%(template)s” was rejected.") % values
            url = ticket_url(ticket, staff=False)
            facts = [(_("Decided by"), str(request.decided_by or "—")), (_("Reason"), request.decision_comment)]
        else:
            headline = _("%(requester)s asks for “%(template)s”: your approval is needed.") % values
            url = settings.SITE_URL + reverse("client_catalog:approval_detail", args=[ticket.reference])
            facts = [(answer["label"], answer["text"]) for answer in request.answers]
        context = {
            "ticket": ticket,
            "headline": headline,
            "facts": facts,
            "url": url,
            "closing": _("This message was sent automatically by the service catalog."),
            "language": language,
        }
        subject = f"[{ticket.reference}] " + (
            _("Rejected: %(template)s") % values if rejected else _("Approval needed: %(template)s") % values
        )
        return {
            "subject": subject[:300],
            "body_text": render_to_string("catalog/email/catalog_email.txt", context),
            "body_html": render_to_string("catalog/email/catalog_email.html", context),
            "language": language,
        }


def _queue(request: ServiceRequest, users: list[User], *, kind: str, rejected: bool) -> None:
    from vigie.notifications import dispatch

    if dispatch.suppressed() or not users:
        return
    ticket = request.ticket
    email_ids: list[int] = []
    for user in users:
        in_reply_to, references = threads.thread_headers(ticket, user.email)
        email = OutboundEmail.objects.create(
            organization=ticket.organization,
            ticket=ticket,
            recipient=user,
            kind=kind,
            to=user.email,
            reply_to=ticket.organization.support_email,
            message_id=threads.ticket_message_id(ticket),
            in_reply_to=in_reply_to,
            references=references,
            **_render(request, user, rejected=rejected),
        )
        threads.record_message_id(ticket, email.message_id)
        email_ids.append(email.pk)
    transaction.on_commit(lambda: _deliver(email_ids))


def _deliver(email_ids: list[int]) -> None:
    from vigie.notifications.tasks import deliver_email

    for email_id in email_ids:
        try:
            deliver_email(email_id)
        except Exception:
            # Queued rows are swept and retried by the notifications worker.
            logger.exception("Could not queue the delivery of catalog e-mail %s", email_id)


def approval_requested(request: ServiceRequest) -> None:
    """Mail every approver of a request now waiting for a decision (inside the transaction)."""
    _queue(request, approvers_of(request), kind=APPROVAL_KIND, rejected=False)


def request_rejected(request: ServiceRequest) -> None:
    requester = request.ticket.requester
    users = [requester] if requester is not None and requester.is_active and requester.email else []
    _queue(request, users, kind=DECISION_KIND, rejected=True)
