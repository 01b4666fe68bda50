"""Requests for change: assessment, CAB approval, schedule, implementation and review.

A ``Change`` (RFC) belongs to one client company. Its status moves only through
``vigie.changes.services`` (guards in ``vigie.changes.workflow``); its risk comes from the
questionnaire (``RiskQuestion``/``RiskChoice``, formula in ``vigie.changes.risk``); its approvals
(``ChangeApproval``) follow the provider's ``ChangePolicy``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel
from vigie.tenancy.models import Organization, TechnicianGroup


class ChangeType(models.TextChoices):
    STANDARD = "standard", _("Standard")
    NORMAL = "normal", _("Normal")
    EMERGENCY = "emergency", _("Emergency")


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ASSESSMENT = "assessment", _("Assessment")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("Implementing")
    IMPLEMENTED = "implemented", _("Implemented")
    FAILED = "failed", _("Failed")
    BACKED_OUT = "backed_out", _("Backed out")
    IN_REVIEW = "in_review", _("In review")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses whose window is booked: they take part in conflict detection and the calendar.
ACTIVE_STATUSES = frozenset(
    {
        ChangeStatus.SUBMITTED,
        ChangeStatus.ASSESSMENT,
        ChangeStatus.AWAITING_APPROVAL,
        ChangeStatus.APPROVED,
        ChangeStatus.SCHEDULED,
        ChangeStatus.IN_PROGRESS,
    }
)
# Statuses where the request itself (plans, window, scope) may still be edited.
EDITABLE_STATUSES = frozenset({ChangeStatus.DRAFT, ChangeStatus.SUBMITTED, ChangeStatus.ASSESSMENT})
FINISHED_STATUSES = frozenset({ChangeStatus.CLOSED, ChangeStatus.CANCELLED, ChangeStatus.REJECTED})


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")


RISK_ORDER = {RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3, RiskLevel.VERY_HIGH: 4}


class ClientApproval(models.TextChoices):
    AUTOMATIC = "auto", _("Automatic (normal changes of medium risk and above)")
    REQUIRED = "required", _("Required")
    NOT_REQUIRED = "not_required", _("Not required")


class ReviewOutcome(models.TextChoices):
    SUCCESSFUL = "successful", _("Successful")
    WITH_ISSUES = "with_issues", _("Successful with issues")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")


class ApprovalRule(models.TextChoices):
    QUORUM = "quorum", _("Quorum (a number of CAB approvals)")
    UNANIMITY = "unanimity", _("Unanimity (every CAB member approves)")


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ApproverRole(models.TextChoices):
    CAB = "cab", _("CAB member")
    CLIENT = "client", _("Client manager")


def _visible_ids(user: Any) -> frozenset[int]:
    """Clients whose changes ``user`` sees: those served (staff), the own company (manager, IT contact)."""
    from vigie.tenancy.access import access_for

    return access_for(user).company_wide_client_ids


def configuration_organization_ids(user: Any) -> frozenset[int]:
    """Templates and freeze periods: the provider's own (staff) and the visible clients'."""
    from vigie.tenancy.access import access_for

    access = access_for(user)
    return access.provider_ids | access.company_wide_client_ids


class ChangePolicy(TimeStampedModel):
    """How the provider's CAB approves: a quorum of N approvals, or every member."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="change_policy"
    )
    approval_rule = models.CharField(_("approval rule"), max_length=16, choices=ApprovalRule.choices, default=ApprovalRule.QUORUM)
    quorum = models.PositiveSmallIntegerField(
        _("quorum"), default=1, help_text=_("CAB approvals needed under the quorum rule (at most the size of the CAB).")
    )
    cab_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("CAB members"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every user with the change manager role."),
    )

    class Meta:
        verbose_name = _("change policy")
        verbose_name_plural = _("change policies")

    def __str__(self) -> str:
        return str(self.organization)


class ChangeTemplateQuerySet(models.QuerySet["ChangeTemplate"]):
    def visible_to(self, user: Any) -> ChangeTemplateQuerySet:
        return self.filter(organization_id__in=configuration_organization_ids(user))

    def active(self) -> ChangeTemplateQuerySet:
        return self.filter(is_active=True)

    def usable_for(self, organization: Organization) -> ChangeTemplateQuerySet:
        """The provider's templates and the client's own."""
        return self.filter(Q(organization__kind="provider") | Q(organization=organization))


class ChangeTemplate(TimeStampedModel):
    """A pre-approved standard change: its plans are copied into each change made from it."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="change_templates",
        help_text=_("The provider (for every client) or one client."),
    )
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    backout_plan = models.TextField(_("back-out plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    risk_level = models.CharField(_("risk level"), max_length=16, choices=RiskLevel.choices, default=RiskLevel.LOW)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ChangeTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("standard change template")
        verbose_name_plural = _("standard change templates")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="change_template_unique_name")]

    def __str__(self) -> str:
        return self.name


class RiskQuestion(TimeStampedModel):
    """One question of the risk questionnaire; administrators change the list in the admin site."""

    text = models.CharField(_("question"), max_length=200)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("risk question")
        verbose_name_plural = _("risk questions")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def label(self) -> str:
        """The seeded questions are translated; one typed by an administrator reads as written."""
        return gettext(self.text)


class RiskChoice(models.Model):
    question = models.ForeignKey(RiskQuestion, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("answer"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"), default=0, help_text=_("0 adds no risk; higher adds more."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("risk answer")
        verbose_name_plural = _("risk answers")
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return f"{self.text} ({self.weight})"

    @property
    def label(self) -> str:
        return gettext(self.text)


class ChangeCounter(models.Model):
    """The last change number handed out (SQLite; PostgreSQL uses a sequence)."""

    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("change counter")

    def __str__(self) -> str:
        return str(self.last_number)


class ChangeQuerySet(models.QuerySet["Change"]):
    def visible_to(self, user: Any) -> ChangeQuerySet:
        """Provider staff see the changes of the clients they serve; a client's manager or IT
        contact those of the own company; requesters none."""
        from vigie.tenancy.access import access_for

        if access_for(user).is_superuser:
            return self.all()
        return self.filter(organization_id__in=_visible_ids(user))

    def active(self) -> ChangeQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def overlapping(self, start: Any, end: Any) -> ChangeQuerySet:
        return self.filter(planned_start__lt=end, planned_end__gt=start)

    def for_list(self) -> ChangeQuerySet:
        return self.select_related("organization", "owner", "group", "requested_by")


class Change(TimeStampedModel):
    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.PROTECT, related_name="changes")
    number = models.PositiveIntegerField(_("number"), unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    type = models.CharField(_("type"), max_length=16, choices=ChangeType.choices, default=ChangeType.NORMAL)
    status = models.CharField(_("status"), max_length=24, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT)
    template = models.ForeignKey(
        ChangeTemplate, verbose_name=_("template"), null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why the change is needed: the business justification."))
    description = models.TextField(_("description"), blank=True)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    backout_plan = models.TextField(_("back-out plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("change owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_changes",
        help_text=_("The provider's staff member who implements the change."),
    )
    group = models.ForeignKey(
        TechnicianGroup, verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    services = models.ManyToManyField(
        "catalog.BusinessService", verbose_name=_("affected services"), blank=True, related_name="changes"
    )
    configuration_items = models.ManyToManyField(
        "cmdb.ConfigurationItem", verbose_name=_("affected configuration items"), blank=True, related_name="changes"
    )
    caused_incidents = models.ManyToManyField(
        "servicedesk.Ticket", verbose_name=_("incidents caused"), blank=True, related_name="caused_by_changes"
    )
    risk_score = models.PositiveSmallIntegerField(_("risk score"), null=True, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=16, choices=RiskLevel.choices, blank=True)
    client_approval = models.CharField(
        _("client approval"), max_length=16, choices=ClientApproval.choices, default=ClientApproval.AUTOMATIC
    )
    expected_downtime_minutes = models.PositiveIntegerField(
        _("expected downtime (minutes)"), null=True, blank=True, help_text=_("Empty or 0: no interruption expected.")
    )
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    freeze_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("freeze overridden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    freeze_override_at = models.DateTimeField(_("freeze overridden at"), null=True, blank=True)
    freeze_override_reason = models.TextField(_("reason for the freeze override"), blank=True)
    review_outcome = models.CharField(_("review outcome"), max_length=16, choices=ReviewOutcome.choices, blank=True)
    review_notes = models.TextField(_("lessons learned"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="change_client_status_idx"),
            models.Index(fields=["planned_start", "planned_end"], name="change_window_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gt=models.F("planned_start")),
                name="change_window_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("changes:change_detail", args=[self.pk])

    @property
    def has_window(self) -> bool:
        return self.planned_start is not None and self.planned_end is not None

    @property
    def needs_client_approval(self) -> bool:
        """Documented in docs/changes.md: explicit choice wins; otherwise normal changes of
        medium risk and above (or not yet assessed) need the client manager's approval."""
        if self.client_approval == ClientApproval.REQUIRED:
            return True
        if self.client_approval == ClientApproval.NOT_REQUIRED or self.type != ChangeType.NORMAL:
            return False
        return not self.risk_level or RISK_ORDER.get(RiskLevel(self.risk_level), 0) >= RISK_ORDER[RiskLevel.MEDIUM]

    @property
    def needs_review(self) -> bool:
        """A post-implementation review is mandatory after an emergency change, a failure or a back-out."""
        return self.type == ChangeType.EMERGENCY or self.status in (ChangeStatus.FAILED, ChangeStatus.BACKED_OUT)


class ChangeRiskAnswer(models.Model):
    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE, related_name="risk_answers")
    question = models.ForeignKey(RiskQuestion, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")
    choice = models.ForeignKey(RiskChoice, verbose_name=_("answer"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("risk assessment answer")
        verbose_name_plural = _("risk assessment answers")
        constraints = [models.UniqueConstraint(fields=["change", "question"], name="change_risk_one_answer")]

    def __str__(self) -> str:
        return f"{self.change_id} · {self.question_id} → {self.choice_id}"


class ChangeApproval(models.Model):
    """One approver's decision on a change; each approver decides once."""

    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("as"), max_length=16, choices=ApproverRole.choices)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("change approval")
        verbose_name_plural = _("change approvals")
        ordering = ["decided_at", "id"]
        constraints = [models.UniqueConstraint(fields=["change", "approver"], name="change_approval_once")]

    def __str__(self) -> str:
        return f"{self.change_id} · {self.approver_id} · {self.decision}"


class ChangeEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    EDITED = "edited", _("Edited")
    RISK = "risk", _("Risk assessed")
    APPROVAL = "approval", _("Approval decision")
    FREEZE_OVERRIDE = "freeze_override", _("Freeze overridden")
    INCIDENT = "incident", _("Incidents linked")
    REVIEW = "review", _("Reviewed")


class ChangeEvent(models.Model):
    """One line of a change's timeline."""

    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeEventKind.choices)
    data: models.JSONField[dict[str, Any]] = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.change_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class FreezePeriodQuerySet(models.QuerySet["FreezePeriod"]):
    def visible_to(self, user: Any) -> FreezePeriodQuerySet:
        return self.filter(organization_id__in=configuration_organization_ids(user))

    def applying_to(self, organization_id: int) -> FreezePeriodQuerySet:
        """Provider-wide freezes and the client's own."""
        return self.filter(Q(organization__kind="provider") | Q(organization_id=organization_id))

    def overlapping(self, start: Any, end: Any) -> FreezePeriodQuerySet:
        return self.filter(starts_at__lt=end, ends_at__gt=start)


class FreezePeriod(TimeStampedModel):
    """A period when no change may be scheduled without a change manager's explicit override."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="freeze_periods",
        help_text=_("The provider (every client) or one client."),
    )
    name = models.CharField(_("name"), max_length=150)
    reason = models.TextField(_("reason"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    objects = FreezePeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("freeze period")
        verbose_name_plural = _("freeze periods")
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="freeze_ends_after_start")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_provider_wide(self) -> bool:
        return self.organization.kind == "provider"


class CalendarFeed(models.Model):
    """A user's iCal feed: its URL carries ``(user, generation)`` signed with the installation's
    secret key; rotating draws a new generation, so every earlier URL stops working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    generation = models.CharField(_("generation"), max_length=32)
    rotated_at = models.DateTimeField(_("rotated at"))

    class Meta:
        verbose_name = _("change calendar feed")
        verbose_name_plural = _("change calendar feeds")

    def __str__(self) -> str:
        return str(self.user_id)
