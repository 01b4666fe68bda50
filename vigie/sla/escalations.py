"""Escalations: when a ticket's clock reaches a share of its target, act once.

An active ``EscalationRule`` of the ticket's current policy fires when the rule's clock
(response or resolution) is running — not paused, not stopped — and has used ``at_percent`` of
its target (100 = the due moment; more is allowed), for the listed priorities (empty: all).
The worker looks every minute (``run_escalations``); each (rule, ticket) fires at most once: the
firing row is inserted in the same transaction as the action, under a lock on the ticket, and
``EscalationFiring``'s unique constraint turns a concurrent second insert into a no-op.

Actions, each leaving an internal line on the ticket's timeline whose data carries
``{"escalation": rule id, "clock", "at_percent", "action"}``:

- **notify**: an e-mail (kind "escalation", in each recipient's language) to the assignee (or,
  without one, the group's address or members), the group's lead, and the client's managers, as
  the rule says; the timeline line is an "e-mail sent" event listing the addresses;
- **reassign**: ``servicedesk.services.assign_ticket`` to the rule's user and/or group, acting as
  the provider's first administrator (the oldest active admin membership of a provider, else the
  oldest active superuser); the line is the assignment event;
- **raise the priority** by one step (P3 → P2, never above P1): a priority event, then the
  clocks are recomputed with the new target.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.notifications import composing, threads
from vigie.notifications.models import OutboundEmail, OutboundKind
from vigie.notifications.recipients import Notice, Recipient
from vigie.servicedesk import permissions
from vigie.servicedesk.models import OPEN_STATUSES, EventKind, Priority, Ticket, TicketEvent
from vigie.sla import clocks
from vigie.sla.calendars import SECOND, CalendarSpec, clock_for, load_specs, to_microseconds
from vigie.sla.models import (
    ClockKind,
    ClockState,
    EscalationAction,
    EscalationFiring,
    EscalationRule,
    SlaTarget,
    TicketSla,
)
from vigie.tenancy.models import Membership, OrganizationKind, Role

logger = logging.getLogger(__name__)

LIVE_STATES = (ClockState.RUNNING, ClockState.AT_RISK, ClockState.BREACHED)


def escalation_actor() -> User | None:
    """Who acts when an escalation reassigns: the provider's first administrator (the oldest
    active admin membership of an active provider), else the oldest active superuser."""
    membership = (
        Membership.objects.filter(
            role=Role.ADMIN,
            organization__kind=OrganizationKind.PROVIDER,
            organization__is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return membership.user
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def threshold_seconds(rule: EscalationRule, target_minutes: int) -> int:
    """The business time (whole seconds) after which the rule fires: ``at_percent`` of the target."""
    return target_minutes * 60 * rule.at_percent // 100


class _Calendars:
    """The calendar spec of each (policy, priority), loaded once per run."""

    def __init__(self) -> None:
        self.targets: dict[tuple[int, int], int | None] = {}
        self.specs: dict[int, CalendarSpec] = {}

    def spec(self, rule: EscalationRule, priority: int) -> CalendarSpec | None:
        key = (rule.policy_id, int(priority))
        if key not in self.targets:
            for target in SlaTarget.objects.filter(policy_id=rule.policy_id):
                self.targets[(rule.policy_id, int(target.priority))] = target.calendar_id
            self.targets.setdefault(key, None)
        calendar_id = self.targets[key] or rule.policy.calendar_id
        if calendar_id not in self.specs:
            self.specs.update(load_specs([calendar_id]))
        return self.specs.get(calendar_id)


def candidates(rule: EscalationRule, now: datetime, calendars: _Calendars | None = None) -> list[int]:
    """The tickets whose clock under this rule's policy has reached the rule's share and that it
    has not fired for yet (the stored clocks narrow them down, the calendar decides)."""
    clock = rule.clock
    calendars = calendars or _Calendars()
    rows = TicketSla.objects.filter(
        policy_id=rule.policy_id,
        imported=False,
        ticket__status__in=OPEN_STATUSES,
        **{
            f"{clock}_state__in": LIVE_STATES,
            f"{clock}_paused_since__isnull": True,
            f"{clock}_target_minutes__isnull": False,
        },
    ).exclude(Exists(EscalationFiring.objects.filter(rule=rule, ticket_id=OuterRef("ticket_id"))))
    if rule.priorities:
        rows = rows.filter(ticket__priority__in=[int(p) for p in rule.priorities])
    # Shares at or beyond a stored moment only concern clocks past that moment.
    if rule.at_percent >= 100:
        rows = rows.filter(**{f"{clock}_due_at__lte": now})
    elif rule.at_percent >= rule.policy.at_risk_percent:
        rows = rows.filter(**{f"{clock}_at_risk_at__lte": now})
    found = []
    now_us = to_microseconds(now)
    for ticket_id, priority, elapsed, computed_at, target in rows.values_list(
        "ticket_id", "ticket__priority", f"{clock}_elapsed_seconds", "computed_at", f"{clock}_target_minutes"
    ):
        spec = calendars.spec(rule, priority)
        if spec is None or computed_at is None:
            continue
        used = elapsed + clock_for(spec).between(to_microseconds(computed_at), now_us) // SECOND
        if used >= threshold_seconds(rule, target):
            found.append(ticket_id)
    return found


def run_escalations(now: datetime | None = None) -> int:
    """Fire every escalation that is due (the worker calls this every minute); returns how many fired."""
    now = now or timezone.now()
    rules = (
        EscalationRule.objects.filter(is_active=True, policy__is_active=True)
        .select_related("policy", "reassign_group", "reassign_user")
        .order_by("at_percent", "id")
    )
    calendars = _Calendars()
    fired = 0
    for rule in rules:
        for ticket_id in candidates(rule, now, calendars):
            try:
                if fire(rule, ticket_id, now=now):
                    fired += 1
            except Exception:
                # One ticket's failure must not stop the others; the next run tries again.
                logger.exception("Escalation %s failed on ticket %s", rule.pk, ticket_id)
    return fired


def _still_due(rule: EscalationRule, sla: TicketSla | None, ticket: Ticket) -> bool:
    if sla is None or sla.imported or sla.policy_id != rule.policy_id or ticket.status not in OPEN_STATUSES:
        return False
    if rule.priorities and int(ticket.priority) not in [int(p) for p in rule.priorities]:
        return False
    clock = rule.clock
    target = getattr(sla, f"{clock}_target_minutes")
    if target is None or getattr(sla, f"{clock}_state") not in LIVE_STATES or getattr(sla, f"{clock}_paused_since"):
        return False
    return bool(getattr(sla, f"{clock}_elapsed_seconds") >= threshold_seconds(rule, target))


def fire(rule: EscalationRule, ticket_id: int, *, now: datetime | None = None) -> bool:
    """Fire ``rule`` on one ticket if it is still due and never fired there; True if it fired."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("organization", "assignee", "group", "group__lead", "requester")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None or EscalationFiring.objects.filter(rule=rule, ticket=ticket).exists():
            return False
        sla = clocks.refresh(ticket, now=now)
        if not _still_due(rule, sla, ticket):
            return False
        assert sla is not None
        try:
            with transaction.atomic():
                firing = EscalationFiring.objects.create(rule=rule, ticket=ticket, fired_at=now, detail={})
        except IntegrityError:
            return False  # fired meanwhile by another worker
        base = {"escalation": rule.pk, "clock": rule.clock, "at_percent": rule.at_percent, "action": rule.action}
        with acting_as(None):
            firing.detail = ACTIONS[EscalationAction(rule.action)](rule, ticket, sla, now, base)
        firing.save(update_fields=["detail"])
    logger.info("Escalation %s fired on %s: %s", rule.pk, ticket.reference, firing.detail)
    return True


# The actions. Each returns what it did, stored on the firing.


def _recipients(rule: EscalationRule, ticket: Ticket) -> list[Recipient]:
    found: list[Recipient] = []

    def add(user: User | None) -> None:
        if user is None or not user.is_active or not user.email or not permissions.can_reply(user, ticket):
            return
        if all(r.address != user.email for r in found):
            found.append(Recipient(address=user.email, user=user, is_staff=permissions.can_work(user, ticket)))

    if rule.notify_assignee:
        if ticket.assignee is not None:
            add(ticket.assignee)
        elif ticket.group is not None and ticket.group.email:
            address = ticket.group.email.lower()
            if all(r.address != address for r in found):
                found.append(Recipient(address=address, user=None, is_staff=True))
        elif ticket.group is not None:
            for member in ticket.group.members.all():
                add(member)
    if rule.notify_group_lead and ticket.group is not None:
        add(ticket.group.lead)
    if rule.notify_client_manager:
        managers = Membership.objects.filter(organization_id=ticket.organization_id, role=Role.CLIENT_MANAGER)
        for membership in managers.select_related("user").order_by("pk"):
            add(membership.user)
    return found


def _render(rule: EscalationRule, ticket: Ticket, sla: TicketSla, notice: Notice) -> dict[str, Any]:
    language = composing.recipient_language(notice)
    with translation.override(language), timezone.override(composing.recipient_time_zone(notice)):
        target = getattr(sla, f"{rule.clock}_target_minutes") or 0
        due = getattr(sla, f"{rule.clock}_due_at")
        values = {
            "reference": ticket.reference,
            "clock": clock_name(rule.clock),
            "percent": rule.at_percent,
            "target": duration_text(target * 60),
        }
        if rule.at_percent >= 100:
            headline = _("Escalation on %(reference)s: the %(clock)s target (%(target)s) has been exceeded.") % values
        else:
            headline = (
                _("Escalation on %(reference)s: %(percent)s %% of the %(clock)s target (%(target)s) has been used.") % values
            )
        facts = [
            (capfirst(Ticket._meta.get_field("organization").verbose_name), ticket.organization.name),
            (capfirst(Ticket._meta.get_field("status").verbose_name), ticket.get_status_display()),
            (capfirst(Ticket._meta.get_field("priority").verbose_name), ticket.get_priority_display()),
            (capfirst(Ticket._meta.get_field("assignee").verbose_name), str(ticket.assignee or "—")),
            (capfirst(Ticket._meta.get_field("group").verbose_name), str(ticket.group or "—")),
            (_("Business time used"), duration_text(getattr(sla, f"{rule.clock}_elapsed_seconds"))),
        ]
        if due is not None:
            facts.append((_("Due"), formats.date_format(timezone.localtime(due), "DATETIME_FORMAT")))
        context = {
            "ticket": ticket,
            "headline": headline,
            "facts": facts,
            "url": composing.ticket_url(ticket, staff=notice.recipient.is_staff),
            "closing": _("This message was sent automatically by the escalation rules of the service level agreement."),
            "language": language,
        }
        return {
            "subject": f"[{ticket.reference}] " + (_("Escalation: %(title)s") % {"title": " ".join(ticket.title.split())}),
            "body_text": render_to_string("notifications/escalation_email.txt", context),
            "body_html": render_to_string("notifications/escalation_email.html", context),
            "language": language,
        }


def clock_name(clock: str) -> str:
    return _("response") if clock == ClockKind.RESPONSE else _("resolution")


def duration_text(seconds: int) -> str:
    """'4 h', '1 h 30 min', '45 min' (business time, in the active language)."""
    minutes = max(0, int(seconds)) // 60
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(minutes)s min") % {"minutes": minutes}


def _notify(rule: EscalationRule, ticket: Ticket, sla: TicketSla, now: datetime, base: dict[str, Any]) -> dict[str, Any]:
    from vigie.notifications import dispatch

    # Inside ``notifications_suppressed`` (the demo, bulk fixes) the escalation is recorded, not mailed.
    recipients = [] if dispatch.suppressed() else _recipients(rule, ticket)
    addresses = [r.address for r in recipients]
    event = TicketEvent.objects.create(
        ticket=ticket, kind=EventKind.EMAIL_SENT, actor=None, at=now, is_internal=True, data={**base, "to": addresses}
    )
    email_ids: list[int] = []
    for recipient in recipients:
        notice = Notice(kind=OutboundKind.ESCALATION, recipient=recipient)
        in_reply_to, references = threads.thread_headers(ticket, recipient.address)
        email = OutboundEmail.objects.create(
            organization=ticket.organization,
            ticket=ticket,
            event=event,
            recipient=recipient.user,
            kind=OutboundKind.ESCALATION,
            is_internal=False,
            to=recipient.address,
            reply_to=ticket.organization.support_email,
            message_id=threads.ticket_message_id(ticket),
            in_reply_to=in_reply_to,
            references=references,
            **_render(rule, ticket, sla, notice),
        )
        threads.record_message_id(ticket, email.message_id)
        email_ids.append(email.pk)
    if email_ids:
        transaction.on_commit(lambda: _deliver(email_ids))
    return {**base, "to": addresses, "event": event.pk}


def _deliver(email_ids: list[int]) -> None:
    from vigie.notifications.tasks import deliver_email

    for email_id in email_ids:
        try:
            deliver_email(email_id)
        except Exception:
            # Queued rows are swept and retried by the notifications worker.
            logger.exception("Could not queue the delivery of escalation e-mail %s", email_id)


def _reassign(rule: EscalationRule, ticket: Ticket, sla: TicketSla, now: datetime, base: dict[str, Any]) -> dict[str, Any]:
    from vigie.servicedesk import services

    assignee = rule.reassign_user
    group = rule.reassign_group
    keeps_group = assignee is not None and ticket.group is not None and ticket.group.members.filter(pk=assignee.pk).exists()
    if group is None and keeps_group:
        group = ticket.group  # keep the group the new assignee belongs to
    actor = escalation_actor()
    error = ""
    if actor is None:
        error = _("No provider administrator to act as.")
    elif assignee is None and group is None:
        error = _("The rule names nobody to reassign to.")
    last_event = TicketEvent.objects.filter(ticket=ticket).order_by("-id").values_list("id", flat=True).first() or 0
    if not error:
        assert actor is not None
        try:
            with transaction.atomic():
                services.assign_ticket(ticket, by=actor, assignee=assignee, group=group, at=now)
        except (ValidationError, PermissionDenied) as problem:
            error = "; ".join(_messages(problem))
    detail = {
        **base,
        "assignee": getattr(assignee, "pk", None),
        "group": getattr(group, "pk", None),
        "actor": getattr(actor, "pk", None),
    }
    assignment = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED, id__gt=last_event).order_by("id").first()
    if assignment is not None and not error:
        assignment.data = {**assignment.data, **base}
        assignment.save(update_fields=["data"])
        return {**detail, "event": assignment.pk}
    data = {**base, "error": error} if error else {**base, "unchanged": True}
    event = TicketEvent.objects.create(ticket=ticket, kind=EventKind.ASSIGNED, actor=None, at=now, is_internal=True, data=data)
    return {**detail, **data, "event": event.pk}


def _messages(problem: Exception) -> list[str]:
    if isinstance(problem, ValidationError):
        return [str(message) for message in problem.messages]
    return [str(problem)]


def _raise_priority(rule: EscalationRule, ticket: Ticket, sla: TicketSla, now: datetime, base: dict[str, Any]) -> dict[str, Any]:
    old = int(ticket.priority)
    new = max(int(Priority.P1), old - 1)
    data: dict[str, Any] = {**base, "old": old, "new": new}
    if new == old:
        data["unchanged"] = True
    else:
        ticket.priority = new
        ticket.last_activity_at = now
        ticket.save(update_fields=["priority", "last_activity_at", "updated_at"])
    event = TicketEvent.objects.create(ticket=ticket, kind=EventKind.PRIORITY, actor=None, at=now, is_internal=True, data=data)
    if new != old:
        clocks.refresh(ticket, now=now)
    return {**data, "event": event.pk}


ACTIONS: dict[EscalationAction, Callable[[EscalationRule, Ticket, TicketSla, datetime, dict[str, Any]], dict[str, Any]]] = {
    EscalationAction.NOTIFY: _notify,
    EscalationAction.REASSIGN: _reassign,
    EscalationAction.RAISE_PRIORITY: _raise_priority,
}
