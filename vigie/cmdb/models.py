"""Configuration items of each client, their relations and impact analysis.

A configuration item (CI) is anything the client's business runs on: a server, a laptop, a
SaaS subscription, a domain name. Relations say what depends on what; redundancy groups say
"the dependant stays up while at least N of these are up"; service components tie the
business services of the catalog to the CIs that support them; ticket links tie incidents and
requests to the CIs they concern. Every row carries its client (``organization``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from vigie.catalog.models import Criticality
from vigie.core.models import TimeStampedModel
from vigie.tenancy.models import Organization, Site

# The record of any configuration item whatever its class (model, lifecycle, data, hosting), in
# the order forms, files and the API show it.
RECORD_FIELDS = (
    "serial_number",
    "vendor",
    "model",
    "purchase_date",
    "warranty_end",
    "end_of_support",
    "data_classification",
    "hosting",
    "hosting_provider",
    "hosting_country",
    "hosting_jurisdiction",
)


class CIClass(models.TextChoices):
    SERVER = "server", _("Server")
    VIRTUAL_MACHINE = "virtual_machine", _("Virtual machine")
    WORKSTATION = "workstation", _("Workstation")
    LAPTOP = "laptop", _("Laptop")
    NETWORK_DEVICE = "network_device", _("Network device")
    PRINTER = "printer", _("Printer")
    PHONE = "phone", _("Phone")
    APPLICATION = "application", _("Application")
    SAAS_SUBSCRIPTION = "saas_subscription", _("SaaS subscription")
    DATABASE = "database", _("Database")
    BACKUP_JOB = "backup_job", _("Backup job")
    DOMAIN_NAME = "domain_name", _("Domain name")
    TLS_CERTIFICATE = "tls_certificate", _("TLS certificate")
    LICENCE = "licence", _("Licence")
    INTERNET_LINK = "internet_link", _("Internet link")


class CIStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_STOCK = "in_stock", _("In stock")
    IN_PRODUCTION = "in_production", _("In production")
    IN_MAINTENANCE = "in_maintenance", _("In maintenance")
    RETIRED = "retired", _("Retired")
    DISPOSED = "disposed", _("Disposed")


class DataClassification(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    CONFIDENTIAL = "confidential", _("Confidential")
    SECRET = "secret", _("Secret")


class Hosting(models.TextChoices):
    ON_PREMISES = "on_premises", _("On premises")
    CLOUD = "cloud", _("Cloud")
    SAAS = "saas", _("SaaS")
    COLOCATION = "colocation", _("Colocation")


class RelationKind(models.TextChoices):
    DEPENDS_ON = "depends_on", _("depends on")
    RUNS_ON = "runs_on", _("runs on")
    HOSTED_ON = "hosted_on", _("is hosted on")
    BACKS_UP = "backs_up", _("backs up")
    CONNECTED_TO = "connected_to", _("is connected to")


# The relation kinds along which an outage travels from the target to the source.
PROPAGATING_KINDS = (RelationKind.DEPENDS_ON, RelationKind.RUNS_ON, RelationKind.HOSTED_ON)


class ConfigurationItemQuerySet(models.QuerySet["ConfigurationItem"]):
    def visible_to(self, user: Any) -> ConfigurationItemQuerySet:
        """Provider staff see the CIs of the clients they serve; a client manager or IT contact
        those of the own company; a requester only the CIs they use or own."""
        from vigie.tenancy.access import access_for

        access = access_for(user)
        if access.is_superuser:
            return self.all()
        condition = Q(organization_id__in=access.company_wide_client_ids)
        if access.own_tickets_client_ids:
            used = ConfigurationItem.users.through.objects.filter(configurationitem_id=OuterRef("pk"), user_id=user.pk)
            condition |= Q(organization_id__in=access.own_tickets_client_ids) & (Q(owner_id=user.pk) | Q(Exists(used)))
        return self.filter(condition)

    def for_list(self) -> ConfigurationItemQuerySet:
        return self.select_related("organization", "site", "owner").defer("attributes", "description", "search_text")


class ConfigurationItem(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="configuration_items"
    )
    name = models.CharField(_("name"), max_length=200)
    ci_class = models.CharField(_("class"), max_length=32, choices=CIClass.choices)
    status = models.CharField(_("status"), max_length=16, choices=CIStatus.choices, default=CIStatus.IN_PRODUCTION)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.SET_NULL, related_name="configuration_items"
    )
    criticality = models.PositiveSmallIntegerField(_("criticality"), choices=Criticality.choices, default=Criticality.MEDIUM)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    vendor = models.CharField(_("vendor"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    warranty_end = models.DateField(_("end of warranty"), null=True, blank=True)
    end_of_support = models.DateField(_("end of vendor support"), null=True, blank=True)
    data_classification = models.CharField(
        _("data classification"), max_length=16, choices=DataClassification.choices, default=DataClassification.INTERNAL
    )
    hosting = models.CharField(_("hosting"), max_length=16, choices=Hosting.choices, default=Hosting.ON_PREMISES)
    hosting_provider = models.CharField(_("hosting provider"), max_length=100, blank=True)
    hosting_country = models.CharField(
        _("hosting country"),
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO 3166 country code, e.g. FR."))],
    )
    hosting_jurisdiction = models.CharField(
        _("jurisdiction"),
        max_length=60,
        blank=True,
        help_text=_("The law the data falls under, e.g. EU, or US (extraterritorial) for a US provider."),
    )
    attributes: models.JSONField[dict[str, Any]] = models.JSONField(_("class attributes"), default=dict, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True, related_name="used_configuration_items"
    )
    tickets = models.ManyToManyField(
        "servicedesk.Ticket",
        verbose_name=_("tickets"),
        blank=True,
        through="TicketConfigurationItem",
        related_name="configuration_items",
    )
    description = models.TextField(_("description"), blank=True)
    external_id = models.CharField(
        _("external identifier"), max_length=100, blank=True, help_text=_("The identifier in the source of an import.")
    )
    search_text = models.TextField(editable=False, blank=True)

    objects = ConfigurationItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ci_class", "name"], name="ci_unique_name_per_class_and_client"),
            models.UniqueConstraint(
                fields=["organization", "external_id"], condition=~Q(external_id=""), name="ci_unique_external_id_per_client"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "name"], name="ci_organization_name"),
            models.Index(fields=["name", "id"], name="ci_name_id"),
        ]

    def __str__(self) -> str:
        return self.name

    def compute_search_text(self) -> str:
        parts = (self.name, self.serial_number, self.vendor, self.model)
        return " ".join(part for part in parts if part).lower()


class RedundancyGroup(TimeStampedModel):
    """Members that stand in for each other: the dependant stays up while at least
    ``minimum_up`` of the group's members are up. The members are the targets of the
    relations (and the CIs of the service components) that carry the group."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="redundancy_groups"
    )
    name = models.CharField(_("name"), max_length=150)
    minimum_up = models.PositiveSmallIntegerField(
        _("members needed"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("The dependant stays up while at least this many members are up."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("redundancy group")
        verbose_name_plural = _("redundancy groups")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="redundancy_group_unique_name_per_client"),
            models.CheckConstraint(condition=Q(minimum_up__gte=1), name="redundancy_group_minimum_up_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Relation(TimeStampedModel):
    """``source`` ``kind`` ``target``: e.g. “ERP depends on SQL01”, “SQL01 runs on ESX02”."""

    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(
        ConfigurationItem, verbose_name=_("source"), on_delete=models.CASCADE, related_name="outgoing_relations"
    )
    target = models.ForeignKey(
        ConfigurationItem, verbose_name=_("target"), on_delete=models.CASCADE, related_name="incoming_relations"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RelationKind.choices)
    redundancy_group = models.ForeignKey(
        RedundancyGroup,
        verbose_name=_("redundancy group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="relations",
    )
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="relation_unique_source_target_kind"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="relation_not_to_itself"),
        ]
        indexes = [models.Index(fields=["target", "kind"], name="relation_target_kind")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class ServiceComponent(TimeStampedModel):
    """A CI that supports a business service of the catalog."""

    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        "catalog.BusinessService", verbose_name=_("business service"), on_delete=models.CASCADE, related_name="components"
    )
    configuration_item = models.ForeignKey(
        ConfigurationItem,
        verbose_name=_("configuration item"),
        on_delete=models.CASCADE,
        related_name="service_components",
    )
    redundancy_group = models.ForeignKey(
        RedundancyGroup,
        verbose_name=_("redundancy group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_components",
    )

    class Meta:
        verbose_name = _("service component")
        verbose_name_plural = _("service components")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "configuration_item"], name="service_component_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} ← {self.configuration_item_id}"


class TicketConfigurationItem(models.Model):
    """A ticket concerns a CI (``ticket.configuration_items``)."""

    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        "servicedesk.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="configuration_item_links"
    )
    configuration_item = models.ForeignKey(
        ConfigurationItem, verbose_name=_("configuration item"), on_delete=models.CASCADE, related_name="ticket_links"
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("linked by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("ticket configuration item")
        verbose_name_plural = _("ticket configuration items")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "configuration_item"], name="ticket_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} ↔ {self.configuration_item_id}"
