"""The satisfaction survey e-mail: five one-click rating links and a comment link, in the
requester's language, threaded with the ticket's other messages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from vigie.notifications import threads
from vigie.notifications.composing import MAX_EVENT_AGE, REPLY_MARKER_END, REPLY_MARKER_START
from vigie.notifications.models import OutboundEmail, OutboundKind
from vigie.servicedesk import satisfaction
from vigie.servicedesk.models import SatisfactionSurvey

SATISFACTION_KIND = OutboundKind.SATISFACTION


def survey_language(survey: SatisfactionSurvey) -> str:
    language = getattr(survey.recipient, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def survey_message_id(survey: SatisfactionSurvey) -> str:
    """One Message-ID per survey, the same every time it is computed: preparing the e-mail twice
    (a retried task, two workers) runs into the unique constraint instead of mailing twice."""
    digest = salted_hmac("vigie.satisfaction.message-id", str(survey.pk)).hexdigest()[:16]
    return f"<survey-{survey.ticket.reference}-{survey.pk}.{digest}@{threads.mail_domain()}>"


def render_survey(survey: SatisfactionSurvey) -> dict[str, Any]:
    """Subject and bodies of a survey e-mail, in the requester's language and time zone."""
    ticket = survey.ticket
    language = survey_language(survey)
    time_zone = getattr(survey.recipient, "time_zone", "") or settings.TIME_ZONE
    with translation.override(language), timezone.override(time_zone):
        title = " ".join(ticket.title.split())
        values = {"reference": ticket.reference, "title": title}
        name = survey.recipient.first_name if survey.recipient is not None else ""
        context = {
            "ticket": ticket,
            "language": language,
            "greeting": _("Hello %(name)s,") % {"name": name} if name else _("Hello,"),
            "headline": _("Your ticket %(reference)s “%(title)s” has been resolved. How satisfied are you with our help?")
            % values,
            "choices": [
                {
                    "rating": rating,
                    "label": str(satisfaction.RATING_LABELS[rating]),
                    "url": satisfaction.survey_url(survey, rating),
                }
                for rating in satisfaction.RATINGS
            ],
            "comment_url": satisfaction.survey_url(survey),
            "expires_at": survey.expires_at,
            "reply_marker": " ".join((REPLY_MARKER_START, str(_("Please type your reply above this line")), REPLY_MARKER_END)),
        }
        subject = (_("[%(reference)s] Your opinion on “%(title)s”") % values)[:300]
        return {
            "subject": subject,
            "body_text": render_to_string("notifications/satisfaction_email.txt", context),
            "body_html": render_to_string("notifications/satisfaction_email.html", context),
            "language": language,
        }


def prepare_survey_email(survey_id: int) -> int | None:
    """Create the queued e-mail of a survey; return its id, or None when there is nothing to send
    (the survey is gone, answered, withdrawn, expired, from old history, or already prepared)."""
    try:
        survey = SatisfactionSurvey.objects.select_related("ticket__organization", "recipient").get(pk=survey_id)
    except ObjectDoesNotExist:
        return None
    now = timezone.now()
    if satisfaction.state_of(survey, now) != satisfaction.SurveyState.OPEN or survey.sent_at < now - MAX_EVENT_AGE:
        return None
    message_id = survey_message_id(survey)
    if OutboundEmail.objects.filter(message_id=message_id).exists():
        return None
    ticket = survey.ticket
    rendered = render_survey(survey)
    try:
        with transaction.atomic():
            in_reply_to, references = threads.thread_headers(ticket, survey.email)
            email = OutboundEmail.objects.create(
                organization=ticket.organization,
                ticket=ticket,
                recipient=survey.recipient,
                kind=SATISFACTION_KIND,
                to=survey.email,
                reply_to=ticket.organization.support_email,
                message_id=message_id,
                in_reply_to=in_reply_to,
                references=references,
                **rendered,
            )
            threads.record_message_id(ticket, message_id)
    except IntegrityError:
        return None  # prepared concurrently by another worker
    return email.pk
