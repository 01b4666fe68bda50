"""The service catalog: business services of each client company (what the business runs on,
what an outage costs, how fast it must come back) and the request templates employees order
from in the portal, with their approvals and fulfilment tasks (docs/catalog.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel
from vigie.tenancy.models import Organization


class Criticality(models.IntegerChoices):
    VITAL = 1, _("Vital")
    HIGH = 2, _("High")
    MEDIUM = 3, _("Medium")
    LOW = 4, _("Low")


class BusinessServiceQuerySet(models.QuerySet["BusinessService"]):
    def visible_to(self, user: Any) -> BusinessServiceQuerySet:
        from vigie.tenancy.access import visible_organization_ids

        return self.filter(organization_id__in=visible_organization_ids(user))

    def active(self) -> BusinessServiceQuerySet:
        return self.filter(is_active=True)


class BusinessService(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="business_services"
    )
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    criticality = models.PositiveSmallIntegerField(_("criticality"), choices=Criticality.choices, default=Criticality.MEDIUM)
    hourly_downtime_cost = models.DecimalField(
        _("hourly cost of downtime (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("service hours"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The hours the service must be available; empty means around the clock."),
    )
    rto_minutes = models.PositiveIntegerField(
        _("recovery time objective (minutes)"),
        null=True,
        blank=True,
        help_text=_("How long the business can do without the service after a disaster."),
    )
    rpo_minutes = models.PositiveIntegerField(
        _("recovery point objective (minutes)"),
        null=True,
        blank=True,
        help_text=_("How much recent data the business accepts to lose after a disaster."),
    )
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="business_services",
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = BusinessServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("business service")
        verbose_name_plural = _("business services")
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="service_unique_name_per_client")]

    def __str__(self) -> str:
        return self.name


# --- request templates: what employees can order ---------------------------------------------


class TemplateAudience(models.TextChoices):
    ALL_CLIENTS = "all", _("All clients")
    CHOSEN_CLIENTS = "chosen", _("Chosen clients")
    ONE_CLIENT = "client", _("One client")


class ApprovalRule(models.TextChoices):
    NONE = "none", _("No approval")
    CLIENT_MANAGER = "client_manager", _("A manager of the client company")
    NAMED = "named", _("A named approver")


class TaskFlow(models.TextChoices):
    SEQUENTIAL = "sequential", _("One after another")
    PARALLEL = "parallel", _("All at once")


class FieldKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    YES_NO = "yes_no", _("Yes / no")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    USER = "user", _("Person of the company")


CHOICE_KINDS = frozenset({FieldKind.SINGLE_CHOICE, FieldKind.MULTIPLE_CHOICE})


class RequestTemplateQuerySet(models.QuerySet["RequestTemplate"]):
    def visible_to(self, user: Any) -> RequestTemplateQuerySet:
        """Provider staff: the provider-wide templates offered to every client, and those of (or
        offered to) the clients they serve; administrators see all. Client users: only what they
        can order (``orderable_by``)."""
        from vigie.tenancy.access import access_for

        access = access_for(user)
        if access.is_admin and access.is_staff_member:
            return self.all()
        if not access.is_staff_member:
            return self.orderable_by(user)
        served = access.company_wide_client_ids
        offered = models.Q(audience=TemplateAudience.ALL_CLIENTS) | models.Q(
            audience=TemplateAudience.ONE_CLIENT, organization_id__in=served
        )
        chosen = RequestTemplate.clients.through.objects.filter(
            requesttemplate_id=models.OuterRef("pk"), organization_id__in=served
        )
        return self.filter(offered | models.Q(models.Exists(chosen), audience=TemplateAudience.CHOSEN_CLIENTS))

    def offered_to(self, organization_id: int) -> RequestTemplateQuerySet:
        """Published templates a client company's employees can pick."""
        chosen = RequestTemplate.clients.through.objects.filter(
            requesttemplate_id=models.OuterRef("pk"), organization_id=organization_id
        )
        return self.filter(is_published=True).filter(
            models.Q(audience=TemplateAudience.ALL_CLIENTS)
            | models.Q(audience=TemplateAudience.ONE_CLIENT, organization_id=organization_id)
            | models.Q(models.Exists(chosen), audience=TemplateAudience.CHOSEN_CLIENTS)
        )

    def orderable_by(self, user: Any) -> RequestTemplateQuerySet:
        """Published templates offered to one of the client companies ``user`` belongs to."""
        from vigie.tenancy.access import access_for

        query = models.Q(pk__in=[])
        for organization_id in access_for(user).client_ids:
            query |= models.Q(pk__in=self.offered_to(organization_id).values("pk"))
        return self.filter(query)


class RequestTemplate(TimeStampedModel):
    """A kind of service request employees order from the portal catalog, with its form."""

    audience = models.CharField(_("offered to"), max_length=16, choices=TemplateAudience.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="request_templates",
        help_text=_("The one client of a client-specific template."),
    )
    clients = models.ManyToManyField(
        Organization, verbose_name=_("chosen clients"), blank=True, related_name="offered_request_templates"
    )
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    icon = models.CharField(_("icon"), max_length=8, blank=True, help_text=_("An optional emoji shown in the catalog."))
    category = models.ForeignKey(
        "servicedesk.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service = models.ForeignKey(
        BusinessService,
        verbose_name=_("business service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="request_templates",
    )
    impact = models.PositiveSmallIntegerField(_("impact"), default=2)
    urgency = models.PositiveSmallIntegerField(_("urgency"), default=2)
    group = models.ForeignKey(
        "tenancy.TechnicianGroup",
        verbose_name=_("assignment group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approval = models.CharField(_("approval"), max_length=16, choices=ApprovalRule.choices, default=ApprovalRule.NONE)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    task_flow = models.CharField(_("fulfilment tasks"), max_length=16, choices=TaskFlow.choices, default=TaskFlow.SEQUENTIAL)
    is_published = models.BooleanField(_("published"), default=False)

    objects = RequestTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("request template")
        verbose_name_plural = _("request templates")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience="client", organization__isnull=False)
                | (~models.Q(audience="client") & models.Q(organization__isnull=True)),
                name="request_template_client_matches_audience",
            )
        ]

    def __str__(self) -> str:
        return self.name


class RequestField(models.Model):
    """One question of a template's form."""

    template = models.ForeignKey(RequestTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="fields")
    label = models.CharField(_("label"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=FieldKind.choices, default=FieldKind.SHORT_TEXT)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    choices: models.JSONField[list[str]] = models.JSONField(_("choices"), default=list, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("request field")
        verbose_name_plural = _("request fields")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


class FulfilmentTaskTemplate(models.Model):
    """A task the provider carries out for every approved request of a template."""

    template = models.ForeignKey(RequestTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    group = models.ForeignKey(
        "tenancy.TechnicianGroup", verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("fulfilment task template")
        verbose_name_plural = _("fulfilment task templates")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


# --- ordered requests: the answers, the approval and the tasks of one ticket --------------------


class ApprovalState(models.TextChoices):
    NOT_REQUIRED = "not_required", _("No approval needed")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ServiceRequestQuerySet(models.QuerySet["ServiceRequest"]):
    def visible_to(self, user: Any) -> ServiceRequestQuerySet:
        """Whoever sees the ticket, and the named approver of a request (who may not see the ticket)."""
        from vigie.servicedesk.models import Ticket

        tickets = Ticket.objects.visible_to(user).values("pk")
        return self.filter(models.Q(ticket_id__in=tickets) | models.Q(approver_id=getattr(user, "pk", None)))

    def awaiting_decision_by(self, user: Any) -> ServiceRequestQuerySet:
        """Pending requests ``user`` may approve or reject."""
        from vigie.tenancy.models import Membership, Role

        user_id: int = getattr(user, "pk", None) or 0
        managed = Membership.objects.filter(user_id=user_id, role=Role.CLIENT_MANAGER).values("organization_id")
        pending = self.filter(approval_state=ApprovalState.PENDING, ticket__status__in=_open_statuses())
        return pending.filter(
            models.Q(approval_rule=ApprovalRule.NAMED, approver_id=user_id)
            | models.Q(approval_rule=ApprovalRule.CLIENT_MANAGER, organization_id__in=managed)
        )


def _open_statuses() -> list[str]:
    from vigie.servicedesk.models import OPEN_STATUSES

    return [str(status) for status in OPEN_STATUSES]


class ServiceRequest(TimeStampedModel):
    """What was ordered from the catalog for one ticket: the answers, the approval, the tasks."""

    ticket = models.OneToOneField(
        "servicedesk.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="catalog_request"
    )
    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(
        RequestTemplate, verbose_name=_("template"), null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    template_name = models.CharField(_("template name"), max_length=150)
    # [{"field": id, "label": ..., "kind": ..., "value": stored value, "text": as shown}]
    answers: models.JSONField[list[dict[str, Any]]] = models.JSONField(_("answers"), default=list, blank=True)
    approval_rule = models.CharField(_("approval"), max_length=16, choices=ApprovalRule.choices, default=ApprovalRule.NONE)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approver"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approval_state = models.CharField(
        _("approval state"), max_length=16, choices=ApprovalState.choices, default=ApprovalState.NOT_REQUIRED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    task_flow = models.CharField(_("fulfilment tasks"), max_length=16, choices=TaskFlow.choices, default=TaskFlow.SEQUENTIAL)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog request")
        verbose_name_plural = _("catalog requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["approval_state", "organization"], name="catalog_request_approval_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.template_name}"


class TaskState(models.TextChoices):
    WAITING = "waiting", _("Waiting for an earlier task")
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


FINISHED_TASK_STATES = frozenset({TaskState.DONE, TaskState.SKIPPED})


class FulfilmentTask(TimeStampedModel):
    """One task of an approved request, done (or skipped) by the provider's technicians."""

    request = models.ForeignKey(ServiceRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    group = models.ForeignKey(
        "tenancy.TechnicianGroup", verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    state = models.CharField(_("state"), max_length=16, choices=TaskState.choices, default=TaskState.OPEN)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finished by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("fulfilment task")
        verbose_name_plural = _("fulfilment tasks")
        ordering = ["request", "order", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_TASK_STATES
