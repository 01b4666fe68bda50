"""The secret URL of a user's change calendar (iCal), and what it shows.

The URL carries ``(user id, generation)`` signed with the installation's secret key
(``django.core.signing``): nothing secret is stored, a forged or altered token fails the
signature, and rotating draws a new generation so that every earlier URL answers 404. The feed
shows exactly what the user sees in Vigie (``Change.objects.visible_to``), evaluated on each
request: a user who leaves a company or is deactivated stops receiving its changes.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.changes import ical
from vigie.changes.models import ACTIVE_STATUSES, CalendarFeed, Change, ChangeStatus, FreezePeriod
from vigie.core.audit import acting_as

SALT = "vigie.changes.feed"
SHOWN_STATUSES = ACTIVE_STATUSES | {
    ChangeStatus.IMPLEMENTED,
    ChangeStatus.FAILED,
    ChangeStatus.BACKED_OUT,
    ChangeStatus.IN_REVIEW,
    ChangeStatus.CLOSED,
    ChangeStatus.CANCELLED,
}


def _feed_of(user: User) -> CalendarFeed:
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        with transaction.atomic(), acting_as(user):
            feed, _created = CalendarFeed.objects.get_or_create(
                user=user, defaults={"generation": secrets.token_hex(8), "rotated_at": timezone.now()}
            )
    return feed


def token_for(user: User) -> str:
    feed = _feed_of(user)
    return signing.dumps([user.pk, feed.generation], salt=SALT, compress=False)


def feed_path(user: User) -> str:
    return reverse("change_feed:ical", args=[token_for(user)])


def rotate(user: User) -> str:
    """A new secret URL; the old one stops working at once."""
    with transaction.atomic(), acting_as(user):
        feed = _feed_of(user)
        feed.generation = secrets.token_hex(8)
        feed.rotated_at = timezone.now()
        feed.save(update_fields=["generation", "rotated_at"])
    return token_for(user)


def user_for(token: str) -> User | None:
    """The active user this token belongs to, if it is genuine and current."""
    try:
        user_id, generation = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    feed = CalendarFeed.objects.filter(user_id=user_id, user__is_active=True).select_related("user").first()
    if feed is None or not secrets.compare_digest(str(feed.generation), str(generation)):
        return None
    return feed.user


def _status(change: Change) -> str:
    if change.status == ChangeStatus.CANCELLED:
        return "CANCELLED"
    if change.status in (ChangeStatus.SUBMITTED, ChangeStatus.ASSESSMENT, ChangeStatus.AWAITING_APPROVAL):
        return "TENTATIVE"
    return "CONFIRMED"


def render_for(user: User, *, base_url: str, host: str, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    changes = (
        Change.objects.visible_to(user)
        .filter(status__in=SHOWN_STATUSES, planned_start__isnull=False, planned_end__isnull=False)
        .select_related("organization")
        .order_by("planned_start")
    )
    events = [
        ical.Event(
            uid=f"change-{change.pk}@{host}",
            start=change.planned_start,  # type: ignore[arg-type]
            end=change.planned_end,  # type: ignore[arg-type]
            summary=f"{change.reference} {change.title} ({change.organization.name})",
            description=_("Status: %(status)s. Type: %(type)s. Risk: %(risk)s.")
            % {
                "status": change.get_status_display(),
                "type": change.get_type_display(),
                "risk": change.get_risk_level_display() or "—",
            },
            url=base_url + change.get_absolute_url(),
            status=_status(change),
            categories=[str(change.get_type_display())],
            last_modified=change.updated_at,
        )
        for change in changes
    ]
    freezes = FreezePeriod.objects.visible_to(user).select_related("organization")
    events += [
        ical.Event(
            uid=f"freeze-{freeze.pk}@{host}",
            start=freeze.starts_at,
            end=freeze.ends_at,
            summary=_("Change freeze: %(name)s") % {"name": freeze.name},
            description=freeze.reason,
            categories=[_("Freeze")],
            last_modified=freeze.updated_at,
        )
        for freeze in freezes
    ]
    return ical.render(events, name=_("Vigie changes"), now=now)
