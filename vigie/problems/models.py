"""Problems, their incidents, root cause, workaround and known errors.

A *problem* is the unknown cause of one or more incidents of a client company. The problem
manager investigates it, records the root cause and a workaround, publishes it as a *known
error* (the workaround then reaches every open incident linked to it, and every incident linked
later), and resolves it — often through a change — which can resolve its open incidents too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel
from vigie.servicedesk.models import Level, Priority
from vigie.tenancy.models import Organization, TechnicianGroup

PROBLEM_PREFIX = "PRB"


class ProblemStatus(models.TextChoices):
    NEW = "new", _("New")
    INVESTIGATING = "investigating", _("Under investigation")
    ROOT_CAUSE_KNOWN = "root_cause_known", _("Root cause known")
    KNOWN_ERROR = "known_error", _("Known error")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_PROBLEM_STATUSES = frozenset(
    {ProblemStatus.NEW, ProblemStatus.INVESTIGATING, ProblemStatus.ROOT_CAUSE_KNOWN, ProblemStatus.KNOWN_ERROR}
)
# Statuses where incidents may still be linked (a resolved problem still explains its incidents).
LINKABLE_STATUSES = OPEN_PROBLEM_STATUSES | {ProblemStatus.RESOLVED}


def _staff_organization_ids(user: Any) -> frozenset[int] | None:
    """Clients whose problems ``user`` may read (provider staff serving them); None for all."""
    from vigie.tenancy.access import access_for

    access = access_for(user)
    if access.is_superuser:
        return None
    if not access.is_staff_member:
        return frozenset()
    return access.company_wide_client_ids


class ProblemQuerySet(models.QuerySet["Problem"]):
    def visible_to(self, user: Any) -> ProblemQuerySet:
        """Problems are provider work: staff serving the client read them; client users see none."""
        ids = _staff_organization_ids(user)
        return self.all() if ids is None else self.filter(organization_id__in=ids)

    def open(self) -> ProblemQuerySet:
        return self.filter(status__in=OPEN_PROBLEM_STATUSES)

    def linkable(self) -> ProblemQuerySet:
        return self.filter(status__in=LINKABLE_STATUSES)

    def for_list(self) -> ProblemQuerySet:
        return self.select_related("organization", "manager", "group", "category", "known_error").annotate(
            incident_count=models.Count("incidents", distinct=True)
        )


class Problem(TimeStampedModel):
    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.PROTECT, related_name="problems")
    number = models.PositiveIntegerField(_("number"), unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=24, choices=ProblemStatus.choices, default=ProblemStatus.NEW)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices, default=Level.MEDIUM)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices, default=Level.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.P3)
    category = models.ForeignKey(
        "servicedesk.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("problem manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_problems",
    )
    group = models.ForeignKey(
        TechnicianGroup, verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    workaround = models.TextField(_("workaround"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    incidents = models.ManyToManyField(
        "servicedesk.Ticket", verbose_name=_("incidents"), through="ProblemIncident", related_name="problems", blank=True
    )
    services = models.ManyToManyField(
        "catalog.BusinessService", verbose_name=_("affected business services"), blank=True, related_name="problems"
    )
    resolving_change = models.ForeignKey(
        "changes.Change",
        verbose_name=_("resolved by change"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resolved_problems",
        help_text=_("The change that fixed the root cause."),
    )
    root_cause_at = models.DateTimeField(_("root cause found at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"], name="problem_client_status_idx"),
            models.Index(fields=["manager", "status"], name="problem_manager_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROBLEM_STATUSES

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("problems:problem_detail", args=[self.reference])


class ProblemCounter(models.Model):
    """The last problem number handed out (SQLite; PostgreSQL uses a sequence)."""

    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("problem counter")

    def __str__(self) -> str:
        return str(self.last_number)


class ProblemIncident(models.Model):
    """An incident explained by a problem: who linked it and when."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey(
        "servicedesk.Ticket", verbose_name=_("incident"), on_delete=models.CASCADE, related_name="problem_links"
    )
    linked_at = models.DateTimeField(_("linked at"))
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("linked by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("incident of a problem")
        verbose_name_plural = _("incidents of problems")
        ordering = ["linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["problem", "ticket"], name="problem_incident_unique")]

    def __str__(self) -> str:
        return f"{self.problem_id} · {self.ticket_id}"

    @property
    def organization_id(self) -> int:
        return self.problem.organization_id


class KnownErrorStatus(models.TextChoices):
    ACTIVE = "active", _("Active: workaround in use")
    FIXED = "fixed", _("Fixed: the problem is resolved")
    RETIRED = "retired", _("Retired")


class KnownErrorQuerySet(models.QuerySet["KnownError"]):
    def visible_to(self, user: Any) -> KnownErrorQuerySet:
        ids = _staff_organization_ids(user)
        return self.all() if ids is None else self.filter(organization_id__in=ids)

    def active(self) -> KnownErrorQuerySet:
        return self.filter(status=KnownErrorStatus.ACTIVE)

    def search(self, text: str) -> KnownErrorQuerySet:
        """Every word must appear in the title, symptoms, root cause or workaround (any case)."""
        result = self
        for word in text.split()[:8]:
            result = result.filter(
                Q(title__icontains=word)
                | Q(symptoms__icontains=word)
                | Q(workaround__icontains=word)
                | Q(problem__root_cause__icontains=word)
                | Q(problem__reference__iexact=word)
            )
        return result


class KnownError(TimeStampedModel):
    """The published record of a problem whose root cause and workaround are known."""

    problem = models.OneToOneField(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="known_error")
    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.PROTECT, related_name="known_errors"
    )
    title = models.CharField(_("title"), max_length=200)
    symptoms = models.TextField(_("symptoms"), help_text=_("What users and technicians see: how to recognise it."))
    workaround = models.TextField(_("workaround"))
    status = models.CharField(_("status"), max_length=16, choices=KnownErrorStatus.choices, default=KnownErrorStatus.ACTIVE)
    notify_requesters = models.BooleanField(
        _("send the workaround to requesters"),
        default=False,
        help_text=_("Linked incidents get a public reply with the workaround, not only an internal note."),
    )
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = KnownErrorQuerySet.as_manager()

    class Meta:
        verbose_name = _("known error")
        verbose_name_plural = _("known errors")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"], name="known_error_client_status_idx")]

    def __str__(self) -> str:
        return self.title


class WorkaroundDelivery(models.Model):
    """The workaround of a known error reached this incident (once, whatever happens next)."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="deliveries")
    ticket = models.ForeignKey(
        "servicedesk.Ticket", verbose_name=_("incident"), on_delete=models.CASCADE, related_name="workaround_deliveries"
    )
    delivered_at = models.DateTimeField(_("delivered at"))
    public = models.BooleanField(_("sent to the requester"), default=False)

    class Meta:
        verbose_name = _("workaround delivery")
        verbose_name_plural = _("workaround deliveries")
        constraints = [models.UniqueConstraint(fields=["problem", "ticket"], name="workaround_delivered_once")]

    def __str__(self) -> str:
        return f"{self.problem_id} → {self.ticket_id}"

    @property
    def organization_id(self) -> int:
        return self.problem.organization_id


class ProblemEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    FIELD = "field", _("Field changed")
    LINKED = "linked", _("Incidents linked")
    UNLINKED = "unlinked", _("Incident unlinked")
    ROOT_CAUSE = "root_cause", _("Root cause recorded")
    KNOWN_ERROR = "known_error", _("Known error published")
    WORKAROUND_SENT = "workaround_sent", _("Workaround sent to incidents")
    RESOLVED = "resolved", _("Resolved")


class ProblemEvent(models.Model):
    """One line of a problem's timeline."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ProblemEventKind.choices)
    data: models.JSONField[dict[str, Any]] = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("problem event")
        verbose_name_plural = _("problem events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["problem", "at"], name="problem_event_idx")]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
