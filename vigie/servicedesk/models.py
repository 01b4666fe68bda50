"""Incidents and service requests: tickets, their timeline, comments, attachments and categories."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vigie.core.models import TimeStampedModel
from vigie.tenancy.models import Organization, Site, TechnicianGroup


class TicketType(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    REQUEST = "request", _("Service request")


REFERENCE_PREFIXES = {TicketType.INCIDENT: "INC", TicketType.REQUEST: "REQ"}


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting for third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.ASSIGNED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_CUSTOMER,
        TicketStatus.WAITING_THIRD_PARTY,
    }
)
FINISHED_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED})


class Level(models.IntegerChoices):
    """Impact and urgency share one three-step scale (in French, feminine as in GLPI: « Haute »
    agrees with urgence and reads naturally beside impact)."""

    HIGH = 1, pgettext_lazy("impact or urgency", "High")
    MEDIUM = 2, pgettext_lazy("impact or urgency", "Medium")
    LOW = 3, pgettext_lazy("impact or urgency", "Low")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 – Critical")
    P2 = 2, _("P2 – High")
    P3 = 3, _("P3 – Moderate")
    P4 = 4, _("P4 – Low")
    P5 = 5, _("P5 – Planning")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    STAFF = "staff", _("Staff interface")
    MONITORING = "monitoring", _("Monitoring")


class PriorityMatrixCell(models.Model):
    """One cell of the installation's impact × urgency → priority matrix (editable)."""

    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)

    class Meta:
        verbose_name = _("priority matrix cell")
        verbose_name_plural = _("priority matrix")
        ordering = ["impact", "urgency"]
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="priority_matrix_unique_cell")]

    def __str__(self) -> str:
        return f"{self.get_impact_display()} × {self.get_urgency_display()} → {self.get_priority_display()}"


class Category(TimeStampedModel):
    """A node of the category tree shared by all clients of the provider."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=100)
    full_name = models.CharField(_("full name"), max_length=400, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    default_group = models.ForeignKey(
        TechnicianGroup, verbose_name=_("default group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["full_name"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_per_parent")]

    def __str__(self) -> str:
        return self.full_name or self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.full_name = f"{self.parent.full_name} › {self.name}" if self.parent else self.name
        super().save(*args, **kwargs)


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, user: Any) -> TicketQuerySet:
        """The one visibility rule for tickets: provider staff see the clients they serve,
        a client manager or IT contact the whole company, a requester their own and watched tickets."""
        from vigie.tenancy.access import access_for

        access = access_for(user)
        if access.is_superuser:
            return self.all()
        condition = Q(organization_id__in=access.company_wide_client_ids)
        if access.own_tickets_client_ids:
            watched = Ticket.watchers.through.objects.filter(ticket_id=OuterRef("pk"), user_id=user.pk)
            own_or_watched = Q(requester_id=user.pk) | Q(Exists(watched))
            condition |= Q(organization_id__in=access.own_tickets_client_ids) & own_or_watched
        return self.filter(condition)

    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def finished(self) -> TicketQuerySet:
        return self.filter(status__in=FINISHED_STATUSES)

    def incidents(self) -> TicketQuerySet:
        return self.filter(type=TicketType.INCIDENT)

    def requests(self) -> TicketQuerySet:
        return self.filter(type=TicketType.REQUEST)

    def assigned_to(self, user: Any) -> TicketQuerySet:
        return self.filter(assignee=user)

    def unassigned(self) -> TicketQuerySet:
        return self.filter(assignee__isnull=True)

    def for_list(self) -> TicketQuerySet:
        """What a row of a list shows, in one query; never the search text (up to 100 kB a ticket)."""
        return self.select_related("organization", "category", "assignee", "group", "requester").defer("search_text")

    def for_table(self) -> TicketQuerySet:
        """A row of the queue or portal table: not even the description."""
        return self.for_list().defer("description")


class Ticket(TimeStampedModel):
    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.PROTECT, related_name="tickets")
    type = models.CharField(_("type"), max_length=16, choices=TicketType.choices, default=TicketType.INCIDENT)
    number = models.PositiveIntegerField(_("number"), editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=24, choices=TicketStatus.choices, default=TicketStatus.NEW)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices, default=Level.MEDIUM)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices, default=Level.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.P3)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_tickets",
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    group = models.ForeignKey(
        TechnicianGroup, verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("watchers"), blank=True, related_name="watched_tickets"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    reopen_count = models.PositiveIntegerField(_("reopen count"), default=0)
    reassignment_count = models.PositiveIntegerField(_("reassignment count"), default=0)
    # Facts of the conversation kept up to date by the services, so that first-contact
    # resolution is a condition on the ticket row (reports read it for thousands of tickets).
    public_message_count = models.PositiveIntegerField(_("public messages"), default=0, editable=False)
    waited_for_customer = models.BooleanField(_("waited for the customer"), default=False, editable=False)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True, db_index=True)
    service = models.ForeignKey(
        "catalog.BusinessService",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    outage_started_at = models.DateTimeField(
        _("outage started"), null=True, blank=True, help_text=_("For an incident that made its service unavailable.")
    )
    outage_ended_at = models.DateTimeField(_("outage ended"), null=True, blank=True)
    external_reference = models.CharField(
        _("reference in the previous tool"), max_length=64, blank=True, help_text=_("Set by history imports.")
    )
    search_text = models.TextField(editable=False, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["type", "number"], name="ticket_unique_number_per_type"),
            models.UniqueConstraint(
                fields=["organization", "external_reference"],
                condition=~Q(external_reference=""),
                name="ticket_unique_external_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"], name="ticket_client_status_idx"),
            models.Index(fields=["status", "priority", "-created_at"], name="ticket_status_priority_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["group", "status"], name="ticket_group_status_idx"),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester_idx"),
            # KPIs count the tickets of some clients (always: visibility is by client) by the
            # moment they were opened, answered or resolved in a period: one index descent per
            # client, where a date index alone would be intersected with every ticket of them.
            models.Index(fields=["organization", "created_at"], name="ticket_client_created_idx"),
            # On PostgreSQL the opening date rides along, so durations read the index alone.
            models.Index(fields=["organization", "first_response_at"], name="ticket_client_response_idx", include=["created_at"]),
            models.Index(fields=["organization", "resolved_at"], name="ticket_client_resolved_idx", include=["created_at"]),
            models.Index(fields=["closed_at"], name="ticket_closed_idx"),
            models.Index(
                fields=["outage_started_at", "outage_ended_at"],
                name="ticket_outage_idx",
                condition=Q(outage_started_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("servicedesk:ticket_detail", args=[self.reference])


class TicketCounter(models.Model):
    """The last number handed out per ticket type; claimed under a row lock."""

    type = models.CharField(max_length=16, choices=TicketType.choices, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket counter")

    def __str__(self) -> str:
        return f"{self.type}: {self.last_number}"


class CommentQuerySet(models.QuerySet["Comment"]):
    def public(self) -> CommentQuerySet:
        return self.filter(is_internal=False)

    def visible_to(self, user: Any) -> CommentQuerySet:
        from vigie.tenancy.access import access_for

        comments = self.filter(ticket__in=Ticket.objects.visible_to(user))
        return comments if access_for(user).is_staff_member else comments.public()


class Comment(models.Model):
    """A public reply to the requester, or an internal note only provider staff can read."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_email = models.EmailField(_("author e-mail"), blank=True)
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(_("internal note"), default=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.STAFF)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="comment_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket.reference} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def organization_id(self) -> int:
        return self.ticket.organization_id


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.ticket.organization_id}/{instance.ticket_id}/{instance.sha256[:16]}"


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def visible_to(self, user: Any) -> AttachmentQuerySet:
        from vigie.tenancy.access import access_for

        attachments = self.filter(ticket__in=Ticket.objects.visible_to(user))
        if access_for(user).is_staff_member:
            return attachments
        return attachments.filter(Q(comment__isnull=True) | Q(comment__is_internal=False))


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def organization_id(self) -> int:
        return self.ticket.organization_id

    @property
    def is_internal(self) -> bool:
        return bool(self.comment_id and self.comment and self.comment.is_internal)


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assignment changed")
    PRIORITY = "priority", _("Priority changed")
    FIELD = "field", _("Field changed")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")
    ATTACHMENT = "attachment", _("Attachment added")
    WATCHER = "watcher", _("Watchers changed")
    EMAIL_SENT = "email_sent", _("E-mail sent")


class TicketEvent(models.Model):
    """One line of a ticket's timeline: who did what, when."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    is_internal = models.BooleanField(_("internal"), default=False)
    data: models.JSONField[dict[str, Any]] = models.JSONField(_("data"), default=dict, blank=True)
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class TicketEmailLink(models.Model):
    """A Message-ID that belongs to a ticket's e-mail thread (received or sent)."""

    message_id = models.CharField(max_length=255, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="email_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail thread link")
        verbose_name_plural = _("e-mail thread links")

    def __str__(self) -> str:
        return self.message_id


class SatisfactionSurveyQuerySet(models.QuerySet["SatisfactionSurvey"]):
    def visible_to(self, user: Any) -> SatisfactionSurveyQuerySet:
        return self.filter(ticket__in=Ticket.objects.visible_to(user))

    def answered(self) -> SatisfactionSurveyQuerySet:
        return self.filter(rating__isnull=False, withdrawn_at__isnull=True)


class SatisfactionSurvey(models.Model):
    """The one-click rating asked of the requester when a ticket is resolved.

    The link carries a signature of the survey id; it expires, takes one answer, and is
    withdrawn if the ticket is reopened (a new survey is sent on the next resolution).
    """

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="surveys")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(_("e-mail"))
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = SatisfactionSurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="survey_rating_1_to_5"
            )
        ]
        indexes = [models.Index(fields=["answered_at"], name="survey_answered_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.rating or '-'}"


class TicketImportQuerySet(models.QuerySet["TicketImport"]):
    def visible_to(self, user: Any) -> TicketImportQuerySet:
        from vigie.tenancy.access import access_for

        access = access_for(user)
        if access.is_superuser:
            return self.all()
        if not access.is_staff_member:
            return self.none()
        return self.filter(organization_id__in=access.company_wide_client_ids)


class TicketImport(models.Model):
    """One run of a history import: what came in, and every rejected line with its reason."""

    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    errors: models.JSONField[list[dict[str, Any]]] = models.JSONField(_("rejected lines"), default=list, blank=True)

    objects = TicketImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket import")
        verbose_name_plural = _("ticket imports")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.started_at:%Y-%m-%d %H:%M})"
