"""Automatic answers to incoming messages that did not become a ticket (unknown sender, too large…)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from vigie.notifications import threads
from vigie.notifications.models import OutboundEmail, OutboundKind
from vigie.tenancy.models import Organization


def queue_rejection_reply(
    *,
    organization: Organization,
    to: str,
    original_subject: str,
    original_message_id: str,
    explanation: str | Promise,
    language: str = "",
) -> OutboundEmail:
    """Queue an answer explaining why a message was refused; it is sent once the caller commits.

    The answer carries ``Auto-Submitted: auto-generated`` (so a well-behaved autoresponder
    never answers it) and comes from the installation's sender, which the intake ignores.
    """
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        original_subject = " ".join(original_subject.split())
        subject = _("Your message was not registered: %(subject)s") % {"subject": original_subject or _("(no subject)")}
        context = {
            "explanation": str(explanation),
            "original_subject": original_subject or _("(no subject)"),
            "support_address": organization.support_email,
            "language": language,
            "subject": subject,
        }
        body_text = render_to_string("notifications/rejection.txt", context)
        body_html = render_to_string("notifications/rejection.html", context)
    email = OutboundEmail.objects.create(
        organization=organization,
        kind=OutboundKind.REJECTION,
        to=to,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        language=language,
        message_id=threads.new_message_id("vigie-reply"),
        in_reply_to=original_message_id,
        references=original_message_id,
    )

    def enqueue() -> None:
        from vigie.notifications.tasks import deliver_email

        deliver_email(email.pk)

    transaction.on_commit(enqueue)
    return email
