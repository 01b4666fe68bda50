"""Reminders before a contract's deadline, e-mailed once per contract, deadline and step.

The deadline that matters is the **notice deadline** of a contract that renews (the last day to
cancel a tacit renewal, or to ask for a renewal on request), else its **end**. A tacitly renewed
contract whose notice deadline has passed renews by itself: nothing more is sent until its next
term. Steps are 90, 30 and 7 days before; a contract first seen 20 days before its deadline gets
the 30-day reminder, then the 7-day one.

Recipients: the provider's administrators and the client's managers, each in their language.
The e-mails go through the notifications queue (``OutboundEmail``, kind ``contract``) and its
delivery worker. A ``ContractReminder`` row, unique on (contract, deadline, step) and inserted in
the same transaction as the e-mails, keeps every later run (or a concurrent worker) from
sending the same reminder again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.contracts.models import Contract, ContractReminder, Renewal
from vigie.notifications import dispatch, threads
from vigie.notifications.models import OutboundEmail, OutboundKind
from vigie.tenancy.models import Membership, OrganizationKind, Role

logger = logging.getLogger(__name__)

REMINDER_DAYS = (90, 30, 7)
# The kind of the queued e-mails (the notifications app lists its kinds for display).
EMAIL_KIND = OutboundKind.CONTRACT


@dataclass(frozen=True)
class Due:
    deadline: date
    is_notice: bool
    days_before: int


def due_reminder(contract: Contract, today: date) -> Due | None:
    if contract.terminated_on is not None or contract.end_date is None:
        return None
    notice = contract.notice_deadline
    if notice is not None and notice >= today:
        deadline, is_notice = notice, True
    elif contract.renewal == Renewal.TACIT or contract.end_date < today:
        return None
    else:
        deadline, is_notice = contract.end_date, False
    remaining = (deadline - today).days
    steps = [step for step in REMINDER_DAYS if remaining <= step]
    if not steps:
        return None
    return Due(deadline, is_notice, min(steps))


def recipients(contract: Contract) -> list[tuple[User, bool]]:
    """(user, is provider staff): the provider's administrators, then the client's managers."""
    admins = Membership.objects.filter(
        role=Role.ADMIN, organization__kind=OrganizationKind.PROVIDER, organization__is_active=True, user__is_active=True
    )
    managers = Membership.objects.filter(role=Role.CLIENT_MANAGER, organization_id=contract.organization_id, user__is_active=True)
    found: list[tuple[User, bool]] = []
    seen: set[str] = set()
    for memberships, staff in ((admins, True), (managers, False)):
        for membership in memberships.select_related("user").order_by("pk"):
            user = membership.user
            if user.email and user.email.lower() not in seen:
                seen.add(user.email.lower())
                found.append((user, staff))
    return found


def _language(user: User) -> str:
    language = user.language or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render(contract: Contract, due: Due, user: User, *, staff: bool) -> dict[str, str]:
    language = _language(user)
    with translation.override(language):
        values = {
            "title": contract.title,
            "client": contract.organization.name,
            "date": formats.date_format(due.deadline, "DATE_FORMAT"),
            "days": (due.deadline - timezone.localdate()).days,
        }
        if due.is_notice:
            headline = _("Last day to give notice for “%(title)s” (%(client)s): %(date)s.") % values
            subject = _("Contract notice deadline on %(date)s: %(title)s (%(client)s)") % values
        else:
            headline = _("The contract “%(title)s” (%(client)s) ends on %(date)s.") % values
            subject = _("Contract ending on %(date)s: %(title)s (%(client)s)") % values
        url_name = "contracts:contract_detail" if staff else "client_contracts:list"
        url = settings.SITE_URL + (reverse(url_name, args=[contract.pk]) if staff else reverse(url_name))
        facts = [
            (_("Supplier"), contract.supplier.name),
            (_("Reference"), contract.reference or "—"),
            (_("Renewal"), contract.get_renewal_display()),
            (_("End"), formats.date_format(contract.end_date, "DATE_FORMAT") if contract.end_date else "—"),
        ]
        if contract.notice_deadline is not None:
            facts.append((_("Notice deadline"), formats.date_format(contract.notice_deadline, "DATE_FORMAT")))
        context = {
            "headline": headline,
            "contract": contract,
            "facts": facts,
            "url": url,
            "language": language,
            "closing": _("This reminder was sent automatically %(days)s days before the deadline.") % {"days": due.days_before},
        }
        return {
            "subject": subject[:300],
            "body_text": render_to_string("contracts/reminder_email.txt", context),
            "body_html": render_to_string("contracts/reminder_email.html", context),
            "language": language,
        }


def remind(contract: Contract, due: Due) -> list[int] | None:
    """Record the reminder and queue its e-mails; None when it was already sent."""
    people = [] if dispatch.suppressed() else recipients(contract)
    try:
        with transaction.atomic():
            ContractReminder.objects.create(
                organization_id=contract.organization_id,
                contract=contract,
                deadline=due.deadline,
                is_notice=due.is_notice,
                days_before=due.days_before,
                recipients=[user.email for user, _staff in people],
            )
            email_ids = [
                OutboundEmail.objects.create(
                    organization_id=contract.organization_id,
                    recipient=user,
                    kind=EMAIL_KIND,
                    is_internal=staff,
                    to=user.email,
                    reply_to=contract.organization.support_email,
                    message_id=threads.new_message_id(f"contract-{contract.pk}"),
                    **render(contract, due, user, staff=staff),
                ).pk
                for user, staff in people
            ]
    except IntegrityError:
        return None
    if email_ids:
        transaction.on_commit(lambda: _deliver(email_ids))
    return email_ids


def _deliver(email_ids: list[int]) -> None:
    from vigie.notifications.tasks import deliver_email

    for email_id in email_ids:
        try:
            deliver_email(email_id)
        except Exception:
            logger.exception("Could not queue the delivery of contract reminder e-mail %s", email_id)


def candidates(today: date) -> QuerySet[Contract]:
    return Contract.objects.deadline_within(today, max(REMINDER_DAYS)).select_related("organization", "supplier")


def send_reminders(today: date | None = None) -> int:
    """Send the reminders due today; returns how many reminders (not e-mails) were sent."""
    today = today or timezone.localdate()
    sent = 0
    for contract in candidates(today):
        due = due_reminder(contract, today)
        if due is None:
            continue
        if ContractReminder.objects.filter(contract=contract, deadline=due.deadline, days_before=due.days_before).exists():
            continue
        if remind(contract, due) is not None:
            sent += 1
    return sent
