"""Satisfaction surveys: asked on resolution, answered in one click, withdrawn on reopening.

How it works:

* **Sampling.** When a ticket becomes *resolved* and its requester has an e-mail address, the
  client's ``satisfaction_percent`` decides whether to ask. The decision is a pure function of
  the ticket id (``is_sampled``: a SHA-256 of the id, modulo 100), so it is reproducible, the
  same ticket is always in or out of the sample, and a test can predict it.
* **The survey** (``SatisfactionSurvey``) opens at the resolution time and stays open for
  ``VIGIE_SATISFACTION_DAYS`` days (14 by default). Its e-mail leaves after the commit, through
  the notifications worker (``vigie.notifications.surveys``).
* **Links** carry a signed token (``django.core.signing`` with its own salt): the survey id and,
  for the five rating links, the rating. No login is needed; a forged or altered token is a 404.
* **Link scanners.** Mail security gateways open every link of a message before the person
  does. A rating link therefore never records anything by itself: it opens a page with the
  rating already chosen and one button that sends it (a POST, CSRF protected). The rating is
  recorded once: the first answer wins, later visits show it. A comment can be added once,
  with the rating or afterwards, until the survey expires.
* **Reopening** a resolved or closed ticket withdraws its unanswered survey (its page then says
  so); the next resolution sends a new one. An answer already given stays.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.servicedesk import permissions
from vigie.servicedesk.models import OPEN_STATUSES, SatisfactionSurvey, Ticket, TicketStatus

TOKEN_SALT = "vigie.satisfaction.survey"  # noqa: S105 - a signing salt, not a secret
RATINGS = (1, 2, 3, 4, 5)
RATING_LABELS = {
    1: gettext_lazy("Very dissatisfied"),
    2: gettext_lazy("Dissatisfied"),
    3: gettext_lazy("Neither satisfied nor dissatisfied"),
    4: gettext_lazy("Satisfied"),
    5: gettext_lazy("Very satisfied"),
}
MAX_COMMENT_LENGTH = 2000
DEFAULT_DAYS = 14


class SurveyState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


STATE_LABELS = {
    SurveyState.OPEN: gettext_lazy("Waiting for an answer"),
    SurveyState.ANSWERED: gettext_lazy("Answered"),
    SurveyState.EXPIRED: gettext_lazy("Expired without an answer"),
    SurveyState.WITHDRAWN: gettext_lazy("Withdrawn (the ticket was reopened)"),
}


def state_of(survey: SatisfactionSurvey, now: datetime | None = None) -> SurveyState:
    """Where a survey stands. An answer given before a reopening or the expiry stays an answer."""
    if survey.rating is not None:
        return SurveyState.ANSWERED
    if survey.withdrawn_at is not None:
        return SurveyState.WITHDRAWN
    if survey.expires_at <= (now or timezone.now()):
        return SurveyState.EXPIRED
    return SurveyState.OPEN


def can_add_comment(survey: SatisfactionSurvey, now: datetime | None = None) -> bool:
    """A comment is accepted once, until the survey expires (with the rating or after it)."""
    return survey.withdrawn_at is None and not survey.comment and survey.expires_at > (now or timezone.now())


# Sampling


def is_sampled(ticket_id: int, percent: int) -> bool:
    """Whether the ticket belongs to the client's sample of ``percent`` % of resolved tickets.

    Deterministic: the same ticket always gets the same answer, and over many tickets the share
    asked is ``percent`` % (the hash spreads consecutive ids evenly over 0–99).
    """
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"vigie-satisfaction:{ticket_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


def survey_days() -> int:
    return int(getattr(settings.VIGIE, "satisfaction_days", DEFAULT_DAYS))


# Signed links


class BadToken(Exception):
    """A survey link that was not made by this installation, or was altered."""


def make_token(survey_id: int, rating: int | None = None) -> str:
    return signing.Signer(salt=TOKEN_SALT).sign_object([survey_id, rating])


def read_token(token: str) -> tuple[int, int | None]:
    """The survey id and the rating (None on the comment link) a token carries."""
    try:
        value = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadToken(token) from error
    if not isinstance(value, list) or len(value) != 2:
        raise BadToken(token)
    survey_id, rating = value
    if type(survey_id) is not int or survey_id < 1:
        raise BadToken(token)
    if rating is not None and (type(rating) is not int or rating not in RATINGS):
        raise BadToken(token)
    return survey_id, rating


def survey_url(survey: SatisfactionSurvey, rating: int | None = None) -> str:
    """The absolute address of a survey's page, with a rating chosen or (comment link) none."""
    return settings.SITE_URL + reverse("satisfaction:survey", args=[make_token(survey.pk, rating)])


# Reacting to status changes (called by the service desk's services, inside their transaction)


def status_changed(ticket: Ticket, *, previous: str | None, by: User | None) -> None:
    """Ask the requester for a rating when ``ticket`` is resolved; withdraw it when reopened."""
    if previous is None:
        return  # a ticket being opened
    if ticket.status == TicketStatus.RESOLVED:
        ask(ticket, by=by)
    elif previous in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.status in OPEN_STATUSES:
        withdraw(ticket, at=ticket.last_activity_at or timezone.now())


def ask(ticket: Ticket, *, by: User | None = None) -> SatisfactionSurvey | None:
    """Create the survey of a just-resolved ticket (when sampled) and mail it after the commit."""
    requester = ticket.requester
    if requester is None or not requester.is_active or not requester.email:
        return None
    if by is not None and by.pk == requester.pk:
        return None  # nobody rates their own work
    if not is_sampled(ticket.pk, ticket.organization.satisfaction_percent):
        return None
    if not permissions.can_reply(requester, ticket):
        return None  # no longer a member of the client company
    asked_at = ticket.resolved_at or timezone.now()
    pending = SatisfactionSurvey.objects.filter(
        ticket=ticket, rating__isnull=True, withdrawn_at__isnull=True, expires_at__gt=asked_at
    )
    if pending.exists():
        return None
    survey = SatisfactionSurvey.objects.create(
        ticket=ticket,
        recipient=requester,
        email=requester.email,
        sent_at=asked_at,
        expires_at=asked_at + timedelta(days=survey_days()),
    )
    from vigie.notifications import dispatch

    survey_id = survey.pk
    transaction.on_commit(lambda: dispatch.queue_survey_email(survey_id))
    return survey


def withdraw(ticket: Ticket, *, at: datetime) -> int:
    """Withdraw the ticket's unanswered, unexpired surveys; return how many."""
    return SatisfactionSurvey.objects.filter(
        ticket=ticket, rating__isnull=True, withdrawn_at__isnull=True, expires_at__gt=at
    ).update(withdrawn_at=at)


# Answering (the public survey page)


@dataclass(frozen=True)
class Answer:
    survey: SatisfactionSurvey
    rating_recorded: bool
    comment_recorded: bool


def answer(survey: SatisfactionSurvey, *, rating: int | None, comment: str = "", at: datetime | None = None) -> Answer:
    """Record the requester's rating (first answer only) and optional comment (once).

    Raises ``ValidationError`` naming the field when the survey no longer takes this answer.
    """
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationError({"comment": _("Keep the comment under %(limit)s characters.") % {"limit": MAX_COMMENT_LENGTH}})
    now = at or timezone.now()
    with transaction.atomic():
        survey = SatisfactionSurvey.objects.select_for_update().get(pk=survey.pk)
        with acting_as(survey.recipient):
            state = state_of(survey, now)
            if state == SurveyState.WITHDRAWN:
                raise ValidationError({"rating": _("This survey was withdrawn: the ticket was reopened.")})
            if state == SurveyState.EXPIRED:
                raise ValidationError({"rating": _("This survey has expired.")})
            rating_recorded = comment_recorded = False
            if state == SurveyState.OPEN:
                if rating not in RATINGS:
                    raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
                survey.rating = rating
                survey.answered_at = now
                rating_recorded = True
            if comment:
                if survey.comment:
                    raise ValidationError({"comment": _("You have already left a comment on this survey.")})
                if not can_add_comment(survey, now):
                    raise ValidationError({"comment": _("This survey has expired.")})
                survey.comment = comment
                comment_recorded = True
            if rating_recorded or comment_recorded:
                survey.save(update_fields=["rating", "answered_at", "comment"])
    return Answer(survey=survey, rating_recorded=rating_recorded, comment_recorded=comment_recorded)


def latest_survey(ticket: Ticket) -> SatisfactionSurvey | None:
    return SatisfactionSurvey.objects.filter(ticket=ticket).order_by("-sent_at", "-id").first()
