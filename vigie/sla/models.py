"""Business calendars, SLA policies and their targets, the clocks of each ticket, escalations.

The arithmetic lives in ``vigie.sla.calendars`` (business time) and ``vigie.sla.clocks``
(pauses rebuilt from the status history); these models only hold configuration and results.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel
from vigie.servicedesk.models import Category, Priority, Ticket, TicketStatus, TicketType
from vigie.tenancy.models import Organization, TechnicianGroup


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendarQuerySet(models.QuerySet["BusinessCalendar"]):
    def visible_to(self, user: Any) -> BusinessCalendarQuerySet:
        from vigie.tenancy.access import visible_organization_ids

        return self.filter(organization_id__in=visible_organization_ids(user))


class BusinessCalendar(TimeStampedModel):
    """When the clock runs: weekly opening ranges in a time zone, minus public holidays and closures.

    A 24×7 calendar ignores ranges, holidays and closures: every second counts.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="calendars"
    )
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    is_24x7 = models.BooleanField(_("around the clock (24×7)"), default=False)
    holiday_country = models.CharField(
        _("public holidays of"), max_length=2, blank=True, default="FR", help_text=_("ISO country code; empty for none.")
    )
    holiday_subdivision = models.CharField(
        _("region"),
        max_length=10,
        blank=True,
        help_text=_("Subdivision for regional holidays, e.g. 57 (Moselle) or 6AE (Alsace)."),
    )

    objects = BusinessCalendarQuerySet.as_manager()

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="calendar_unique_name_per_organization")]

    def __str__(self) -> str:
        return self.name


class OpeningRange(models.Model):
    """One opening range of a weekday; a day may have several (morning and afternoon).

    ``end`` at 00:00 means midnight at the end of the day.
    """

    calendar = models.ForeignKey(BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="ranges")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    class Meta:
        verbose_name = _("opening range")
        verbose_name_plural = _("opening ranges")
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class CalendarClosure(models.Model):
    """A whole day the calendar is closed beyond public holidays (bridge day, company event)."""

    calendar = models.ForeignKey(BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"))
    name = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="closure_unique_date_per_calendar")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


def default_resolution_pauses() -> list[str]:
    return [TicketStatus.WAITING_CUSTOMER.value]


def no_pauses() -> list[str]:
    return []


class SlaPolicyQuerySet(models.QuerySet["SlaPolicy"]):
    def visible_to(self, user: Any) -> SlaPolicyQuerySet:
        """Provider staff see every policy of the clients they serve; a client user its own company's."""
        from vigie.tenancy.access import visible_organization_ids

        return self.filter(organization_id__in=visible_organization_ids(user))

    def active(self) -> SlaPolicyQuerySet:
        return self.filter(is_active=True)

    def in_matching_order(self) -> SlaPolicyQuerySet:
        return self.order_by("order", "id")


class SlaPolicy(TimeStampedModel):
    """The commitments made to one client, optionally narrowed to a category or a ticket type.

    For a ticket, the active policies of its client are tried by ``order`` (then creation):
    the first whose category (or an ancestor of the ticket's category) and type match applies.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="sla_policies"
    )
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=100, help_text=_("Policies are tried from the lowest order."))
    ticket_type = models.CharField(_("ticket type"), max_length=16, choices=TicketType.choices, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Applies to this category and those below it; empty for all."),
    )
    calendar = models.ForeignKey(BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="policies")
    at_risk_percent = models.PositiveSmallIntegerField(
        _("at risk from (% of the target)"), default=75, help_text=_("A clock is at risk once this share is used.")
    )
    response_pause_statuses: models.JSONField[list[str]] = models.JSONField(
        _("statuses pausing the response clock"), default=no_pauses, blank=True
    )
    resolution_pause_statuses: models.JSONField[list[str]] = models.JSONField(
        _("statuses pausing the resolution clock"), default=default_resolution_pauses, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = SlaPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["organization__name", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="sla_policy_unique_name_per_client")]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """Response and resolution targets of a policy for one priority, in business minutes.

    A target may run on its own calendar (a P1 around the clock beside P3 on office hours).
    """

    policy = models.ForeignKey(SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    response_minutes = models.PositiveIntegerField(_("response within (minutes)"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"), null=True, blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the policy's calendar."),
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["policy", "priority"]
        constraints = [models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_unique_priority")]

    def __str__(self) -> str:
        return f"{self.policy} · {self.get_priority_display()}"


class ClockState(models.TextChoices):
    NONE = "none", _("No target")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")


# States of a clock that has stopped (the ticket answered or resolved): they never change again
# unless the ticket is reopened or its history is recomputed.
STOPPED_STATES = frozenset({ClockState.MET, ClockState.MISSED})
LATE_STATES = frozenset({ClockState.BREACHED, ClockState.MISSED})


class TicketSlaQuerySet(models.QuerySet["TicketSla"]):
    def visible_to(self, user: Any) -> TicketSlaQuerySet:
        return self.filter(ticket__in=Ticket.objects.visible_to(user))

    def running(self) -> TicketSlaQuerySet:
        live = [ClockState.RUNNING, ClockState.AT_RISK, ClockState.BREACHED, ClockState.PAUSED]
        return self.filter(models.Q(response_state__in=live) | models.Q(resolution_state__in=live))

    def at_risk(self) -> TicketSlaQuerySet:
        """A clock at risk (and none breached yet)."""
        return self.filter(models.Q(response_state=ClockState.AT_RISK) | models.Q(resolution_state=ClockState.AT_RISK)).exclude(
            models.Q(response_state=ClockState.BREACHED) | models.Q(resolution_state=ClockState.BREACHED)
        )

    def breached(self) -> TicketSlaQuerySet:
        """A clock still running (or paused) past its target."""
        return self.filter(models.Q(response_state=ClockState.BREACHED) | models.Q(resolution_state=ClockState.BREACHED))


class TicketSla(models.Model):
    """The SLA clocks of one ticket, as last computed (rules in docs/sla.md).

    Due dates assume the clock keeps running from ``computed_at``; a paused clock has no due date
    (it cannot be late while paused) unless it was already breached, and keeps its elapsed
    business time. ``*_at_risk_at`` is the moment a running clock reaches the policy's at-risk
    share, so that the worker can flip running → at risk → breached with one UPDATE, without
    recomputing. ``*_met`` is the final outcome once the clock stopped, or what an imported
    history says.
    """

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), primary_key=True, on_delete=models.CASCADE, related_name="sla"
    )
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response_target_minutes = models.PositiveIntegerField(_("response target (minutes)"), null=True, blank=True)
    resolution_target_minutes = models.PositiveIntegerField(_("resolution target (minutes)"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True, db_index=True)
    response_elapsed_seconds = models.PositiveIntegerField(_("response business time used (s)"), default=0)
    resolution_elapsed_seconds = models.PositiveIntegerField(_("resolution business time used (s)"), default=0)
    response_state = models.CharField(_("response"), max_length=10, choices=ClockState.choices, default=ClockState.NONE)
    resolution_state = models.CharField(_("resolution"), max_length=10, choices=ClockState.choices, default=ClockState.NONE)
    response_met = models.BooleanField(_("response target met"), null=True, blank=True)
    resolution_met = models.BooleanField(_("resolution target met"), null=True, blank=True)
    resolution_paused_seconds = models.PositiveIntegerField(_("resolution time paused (s)"), default=0)
    response_at_risk_at = models.DateTimeField(_("response at risk from"), null=True, blank=True)
    resolution_at_risk_at = models.DateTimeField(_("resolution at risk from"), null=True, blank=True)
    response_paused_since = models.DateTimeField(_("response clock paused since"), null=True, blank=True)
    resolution_paused_since = models.DateTimeField(_("resolution clock paused since"), null=True, blank=True)
    imported = models.BooleanField(_("imported"), default=False, help_text=_("Outcome taken from an imported history."))
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    objects = TicketSlaQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
        indexes = [
            models.Index(fields=["resolution_state", "resolution_due_at"], name="ticketsla_resolution_idx"),
            models.Index(fields=["response_state", "response_due_at"], name="ticketsla_response_idx"),
            models.Index(fields=["resolution_state", "resolution_at_risk_at"], name="ticketsla_resolution_risk_idx"),
            models.Index(fields=["response_state", "response_at_risk_at"], name="ticketsla_response_risk_idx"),
        ]

    def __str__(self) -> str:
        return f"SLA {self.ticket_id}"


class ClockKind(models.TextChoices):
    RESPONSE = "response", _("Response")
    RESOLUTION = "resolution", _("Resolution")


class EscalationAction(models.TextChoices):
    NOTIFY = "notify", _("Notify")
    REASSIGN = "reassign", _("Reassign")
    RAISE_PRIORITY = "raise_priority", _("Raise the priority")


class EscalationRule(TimeStampedModel):
    """When a clock of a ticket under ``policy`` reaches ``at_percent`` of its target (100 = breach),
    act once: notify people, reassign, or raise the priority by one step."""

    policy = models.ForeignKey(SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="escalations")
    clock = models.CharField(_("clock"), max_length=10, choices=ClockKind.choices, default=ClockKind.RESOLUTION)
    at_percent = models.PositiveSmallIntegerField(_("at (% of the target)"), default=100)
    priorities: models.JSONField[list[int]] = models.JSONField(
        _("priorities"), default=list, blank=True, help_text=_("Empty: every priority.")
    )
    action = models.CharField(_("action"), max_length=16, choices=EscalationAction.choices, default=EscalationAction.NOTIFY)
    notify_assignee = models.BooleanField(_("notify the assignee"), default=True)
    notify_group_lead = models.BooleanField(_("notify the group lead"), default=True)
    notify_client_manager = models.BooleanField(_("notify the client manager"), default=False)
    reassign_group = models.ForeignKey(
        TechnicianGroup, verbose_name=_("reassign to group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reassign_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reassign to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["policy", "clock", "at_percent"]

    def __str__(self) -> str:
        return f"{self.policy} · {self.get_clock_display()} {self.at_percent} % · {self.get_action_display()}"


class EscalationFiring(models.Model):
    """An escalation that fired for a ticket: the unique constraint makes each fire once."""

    rule = models.ForeignKey(EscalationRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+")
    fired_at = models.DateTimeField(_("fired at"))
    detail: models.JSONField[dict[str, Any]] = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("escalation fired")
        verbose_name_plural = _("escalations fired")
        ordering = ["-fired_at"]
        constraints = [models.UniqueConstraint(fields=["rule", "ticket"], name="escalation_fires_once_per_ticket")]

    def __str__(self) -> str:
        return f"{self.rule_id} → {self.ticket_id}"
