"""Suppliers, contracts and software licences of each client company.

Every row carries its client (``organization``). Readers: provider staff serving the client and
the client's manager and IT contact (``visible_to``); writers: the provider's administrators and
service owners (``vigie.contracts.permissions``), through ``vigie.contracts.services``.

Dates are calendar dates (no time of day). Derived values:

- ``Contract.notice_deadline`` (stored, kept by ``save``): the last day to cancel, or to ask for
  the renewal — the end date minus the notice period — for a contract that renews (tacitly or on
  request) and has an end date; none otherwise;
- ``Contract.yearly_cost``: the amount × 12, 4 or 1 for a monthly, quarterly or yearly cost; none
  for a one-off cost;
- ``Contract.status_on(day)``: terminated, expired, expiring (the next deadline within
  ``EXPIRING_DAYS``) or active;
- ``Licence.seats_used``: the users and configuration items the licence is assigned to (one seat each).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigie.core.crypto import EncryptedTextField
from vigie.core.models import TimeStampedModel
from vigie.tenancy.models import Organization

# A contract whose next deadline (notice, else end) is this close is "expiring".
EXPIRING_DAYS = 90


class SupplierKind(models.TextChoices):
    HARDWARE = "hardware", _("Hardware")
    SOFTWARE = "software", _("Software vendor")
    TELECOM = "telecom", _("Telecom operator")
    HOSTING = "hosting", _("Hosting / cloud")
    MAINTENANCE = "maintenance", _("Maintenance")
    RESELLER = "reseller", _("Reseller")
    OTHER = "other", _("Other")


class ContractKind(models.TextChoices):
    SUPPORT = "support", _("Support / maintenance")
    HOSTING = "hosting", _("Hosting")
    SAAS = "saas", _("SaaS subscription")
    LICENCE = "licence", _("Licence")
    LEASING = "leasing", _("Leasing")
    TELECOM = "telecom", _("Telecom")
    OUTSOURCING = "outsourcing", _("Outsourcing")
    WARRANTY = "warranty", _("Warranty extension")


class Renewal(models.TextChoices):
    NONE = "none", _("None")
    TACIT = "tacit", _("Tacit")
    ON_REQUEST = "on_request", _("On request")


class CostPeriod(models.TextChoices):
    ONE_OFF = "one_off", _("One-off")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


PERIODS_PER_YEAR = {CostPeriod.MONTHLY: 12, CostPeriod.QUARTERLY: 4, CostPeriod.YEARLY: 1}


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class LicenceKind(models.TextChoices):
    PER_SEAT = "per_seat", _("Per seat")
    PER_DEVICE = "per_device", _("Per device")
    SITE = "site", _("Site")
    SUBSCRIPTION = "subscription", _("Subscription")


class _ClientOwnedQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> Any:
        """The clients this user sees company-wide: those served (staff), the own company
        (client manager, IT contact). Requesters see none."""
        from vigie.contracts.permissions import readable_client_ids

        return self.filter(organization_id__in=readable_client_ids(user))


class SupplierQuerySet(_ClientOwnedQuerySet):
    pass


class Supplier(TimeStampedModel):
    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="suppliers")
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=SupplierKind.choices, default=SupplierKind.OTHER)
    website = models.URLField(_("website"), blank=True)
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    support_phone = models.CharField(_("support phone"), max_length=40, blank=True)
    support_email = models.EmailField(_("support e-mail"), blank=True)
    support_url = models.URLField(_("support website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = SupplierQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="supplier_unique_name_per_client")]

    def __str__(self) -> str:
        return self.name


class ContractQuerySet(_ClientOwnedQuerySet):
    def current(self, today: date) -> ContractQuerySet:
        """Not terminated and not past their end."""
        return self.filter(terminated_on__isnull=True).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))  # type: ignore[no-any-return]

    def with_status(self, status: str, today: date, days: int = EXPIRING_DAYS) -> ContractQuerySet:
        horizon = today + timedelta(days=days)
        live = self.filter(terminated_on__isnull=True)
        soon = Q(notice_deadline__gte=today, notice_deadline__lte=horizon) | Q(end_date__gte=today, end_date__lte=horizon)
        if status == ContractStatus.TERMINATED:
            return self.filter(terminated_on__isnull=False)  # type: ignore[no-any-return]
        if status == ContractStatus.EXPIRED:
            return live.filter(end_date__lt=today)  # type: ignore[no-any-return]
        if status == ContractStatus.EXPIRING:
            return live.filter(end_date__gte=today).filter(soon)  # type: ignore[no-any-return]
        if status == ContractStatus.ACTIVE:
            return live.filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).exclude(soon)  # type: ignore[no-any-return]
        return self.none()  # type: ignore[no-any-return]

    def deadline_within(self, today: date, days: int) -> ContractQuerySet:
        """Live contracts whose notice deadline or end falls between today and ``days`` from now."""
        horizon = today + timedelta(days=days)
        return self.filter(terminated_on__isnull=True).filter(  # type: ignore[no-any-return]
            Q(notice_deadline__gte=today, notice_deadline__lte=horizon) | Q(end_date__gte=today, end_date__lte=horizon)
        )


class Contract(TimeStampedModel):
    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contracts")
    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ContractKind.choices, default=ContractKind.SUPPORT)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True, help_text=_("Empty for a contract without a term."))
    renewal = models.CharField(_("renewal"), max_length=20, choices=Renewal.choices, default=Renewal.NONE)
    renewal_months = models.PositiveSmallIntegerField(_("renewal period (months)"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("notice period (days)"), default=0)
    notice_deadline = models.DateField(_("notice deadline"), null=True, blank=True, editable=False, db_index=True)
    cost_amount = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    cost_period = models.CharField(_("cost period"), max_length=20, choices=CostPeriod.choices, default=CostPeriod.YEARLY)
    services = models.ManyToManyField(
        "catalog.BusinessService", verbose_name=_("covered business services"), blank=True, related_name="contracts"
    )
    configuration_items = models.ManyToManyField(
        "cmdb.ConfigurationItem", verbose_name=_("covered configuration items"), blank=True, related_name="contracts"
    )
    support_calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("support hours"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    support_terms = models.TextField(_("support terms"), blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["organization__name", "end_date", "title"]
        indexes = [models.Index(fields=["organization", "end_date"], name="contract_client_end_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")), name="contract_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}" if self.reference else self.title

    def compute_notice_deadline(self) -> date | None:
        if self.end_date is None or self.renewal == Renewal.NONE:
            return None
        return self.end_date - timedelta(days=self.notice_days or 0)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.notice_deadline = self.compute_notice_deadline()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "end_date" in update_fields:
            kwargs["update_fields"] = {*update_fields, "notice_deadline"}
        super().save(*args, **kwargs)

    @property
    def yearly_cost(self) -> Decimal | None:
        per_year = PERIODS_PER_YEAR.get(CostPeriod(self.cost_period)) if self.cost_period in CostPeriod.values else None
        if self.cost_amount is None or per_year is None:
            return None
        return (Decimal(self.cost_amount) * per_year).quantize(Decimal("0.01"))

    def next_deadline(self, today: date) -> date | None:
        """The notice deadline while it is ahead, else the end."""
        if self.notice_deadline is not None and self.notice_deadline >= today:
            return self.notice_deadline
        return self.end_date

    def status_on(self, today: date, days: int = EXPIRING_DAYS) -> str:
        if self.terminated_on is not None:
            return ContractStatus.TERMINATED
        if self.end_date is not None and self.end_date < today:
            return ContractStatus.EXPIRED
        horizon = today + timedelta(days=days)
        for deadline in (self.notice_deadline, self.end_date):
            if deadline is not None and today <= deadline <= horizon:
                return ContractStatus.EXPIRING
        return ContractStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return str(ContractStatus(self.status).label)


class ContractReminder(models.Model):
    """One reminder sent about a contract's deadline: the worker never sends it twice."""

    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="+")
    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="reminders")
    deadline = models.DateField(_("deadline"))
    is_notice = models.BooleanField(_("notice deadline"), default=True)
    days_before = models.PositiveSmallIntegerField(_("days before"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients: models.JSONField[list[str]] = models.JSONField(_("recipients"), default=list, blank=True)

    class Meta:
        verbose_name = _("contract reminder")
        verbose_name_plural = _("contract reminders")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["contract", "deadline", "days_before"], name="contract_reminder_once")]

    def __str__(self) -> str:
        return f"{self.contract} · {self.deadline} · J-{self.days_before}"


class LicenceQuerySet(_ClientOwnedQuerySet):
    def with_usage(self) -> LicenceQuerySet:
        return self.annotate(  # type: ignore[no-any-return]
            used=models.Count("assignments", distinct=True) + models.Count("configuration_items", distinct=True)
        )

    def expiring_within(self, today: date, days: int) -> LicenceQuerySet:
        return self.filter(expiry_date__gte=today, expiry_date__lte=today + timedelta(days=days))  # type: ignore[no-any-return]

    def over_allocated(self) -> LicenceQuerySet:
        return self.with_usage().filter(seats_purchased__isnull=False, used__gt=models.F("seats_purchased"))


class Licence(TimeStampedModel):
    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="licences")
    software = models.CharField(_("software"), max_length=200)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), null=True, blank=True, on_delete=models.PROTECT, related_name="licences"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), null=True, blank=True, on_delete=models.SET_NULL, related_name="licences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LicenceKind.choices, default=LicenceKind.PER_SEAT)
    seats_purchased = models.PositiveIntegerField(
        _("seats purchased"), null=True, blank=True, help_text=_("Empty for an unlimited (site) licence.")
    )
    expiry_date = models.DateField(_("expiry"), null=True, blank=True, db_index=True)
    key = EncryptedTextField(_("licence key"), blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned users"),
        through="LicenceAssignment",
        blank=True,
        related_name="licences",
    )
    configuration_items = models.ManyToManyField(
        "cmdb.ConfigurationItem",
        verbose_name=_("assigned configuration items"),
        blank=True,
        related_name="licences",
        help_text=_("Devices (or servers) the licence is installed on; each holds one seat."),
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["organization__name", "software"]

    def __str__(self) -> str:
        return self.software

    @property
    def seats_used(self) -> int:
        used = getattr(self, "used", None)
        if used is not None:
            return int(used)
        return self.assignments.count() + self.configuration_items.count()

    @property
    def seats_available(self) -> int | None:
        if self.seats_purchased is None:
            return None
        return self.seats_purchased - self.seats_used

    @property
    def is_over_allocated(self) -> bool:
        available = self.seats_available
        return available is not None and available < 0


class LicenceAssignment(models.Model):
    """A seat of a licence given to a user of the client."""

    licence = models.ForeignKey(Licence, verbose_name=_("licence"), on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="licence_assignments"
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("licence assignment")
        verbose_name_plural = _("licence assignments")
        ordering = ["assigned_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["licence", "user"], name="licence_assignment_once")]

    def __str__(self) -> str:
        return f"{self.licence} → {self.user}"


class LicenceKeyReveal(models.Model):
    """Someone displayed a licence key: the trail of who read a secret, and when."""

    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="+")
    licence = models.ForeignKey(Licence, verbose_name=_("licence"), on_delete=models.CASCADE, related_name="reveals")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=10, default="web")

    class Meta:
        verbose_name = _("licence key reveal")
        verbose_name_plural = _("licence key reveals")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.licence} · {self.at:%Y-%m-%d %H:%M}"
