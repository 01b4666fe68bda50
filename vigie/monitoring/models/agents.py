"""Machines reporting through ``vigie-agent`` (or a GLPI Agent): the agent's identity, the
latest inventory of the machine's configuration item, its history of changes and its software."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel
from vigie.monitoring.models.visibility import ClientReadableQuerySet
from vigie.tenancy.models import Organization


class AgentQuerySet(ClientReadableQuerySet["Agent"]):
    pass


class Agent(TimeStampedModel):
    """One enrolled ``vigie-agent``. Its token (a SHA-256 hash is stored) signs its reports."""

    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="agents")
    agent_id = models.UUIDField(_("agent identifier"), default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    configuration_item = models.OneToOneField(
        "cmdb.ConfigurationItem",
        verbose_name=_("configuration item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agent",
    )
    hostname = models.CharField(_("host name"), max_length=200)
    machine_id = models.CharField(
        _("machine identifier"), max_length=128, blank=True, help_text=_("The operating system's own machine identifier.")
    )
    agent_version = models.CharField(_("agent version"), max_length=32, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled at"))
    last_report_at = models.DateTimeField(_("last report"), null=True, blank=True)
    last_sequence = models.PositiveBigIntegerField(
        _("last report number"), default=0, help_text=_("Reports at or below this number were already stored.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = AgentQuerySet.as_manager()

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["hostname", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "machine_id"], condition=~models.Q(machine_id=""), name="agent_unique_machine_per_client"
            )
        ]

    def __str__(self) -> str:
        return self.hostname


class MachineInventory(models.Model):
    """The latest inventory of a machine, with the facts the risk engine reads as columns."""

    configuration_item = models.OneToOneField(
        "cmdb.ConfigurationItem", verbose_name=_("configuration item"), on_delete=models.CASCADE, related_name="inventory"
    )
    source = models.CharField(_("source"), max_length=16)
    collected_at = models.DateTimeField(_("collected at"))
    os_name = models.CharField(_("operating system"), max_length=200, blank=True)
    os_version = models.CharField(_("version"), max_length=100, blank=True)
    os_installed_on = models.DateField(_("installed on"), null=True, blank=True)
    booted_at = models.DateTimeField(_("last boot"), null=True, blank=True)
    bios_date = models.DateField(_("BIOS date"), null=True, blank=True)
    cpu = models.CharField(_("processor"), max_length=200, blank=True)
    cpu_cores = models.PositiveSmallIntegerField(_("cores"), null=True, blank=True)
    memory_bytes = models.PositiveBigIntegerField(_("memory"), null=True, blank=True)
    pending_updates = models.PositiveIntegerField(_("pending updates"), null=True, blank=True)
    security_updates = models.PositiveIntegerField(_("pending security updates"), null=True, blank=True)
    updates_applied_at = models.DateTimeField(_("updates last applied"), null=True, blank=True)
    antivirus_name = models.CharField(_("antivirus"), max_length=200, blank=True)
    antivirus_enabled = models.BooleanField(_("antivirus enabled"), null=True, blank=True)
    antivirus_signatures_at = models.DateTimeField(_("antivirus signatures dated"), null=True, blank=True)
    disks_healthy = models.BooleanField(_("disks healthy (SMART)"), null=True, blank=True)
    data: models.JSONField[dict[str, Any]] = models.JSONField(_("full inventory"), default=dict)

    class Meta:
        verbose_name = _("machine inventory")
        verbose_name_plural = _("machine inventories")

    def __str__(self) -> str:
        return f"{self.configuration_item_id}: {self.os_name} {self.os_version}".strip()


class InventorySnapshot(models.Model):
    """A change in a machine's inventory: what differed from the one before."""

    configuration_item = models.ForeignKey(
        "cmdb.ConfigurationItem", verbose_name=_("configuration item"), on_delete=models.CASCADE, related_name="inventory_changes"
    )
    at = models.DateTimeField(_("at"))
    source = models.CharField(_("source"), max_length=16)
    changes: models.JSONField[dict[str, Any]] = models.JSONField(
        _("changes"), default=dict, help_text=_("Each changed field with its value before and after.")
    )

    class Meta:
        verbose_name = _("inventory change")
        verbose_name_plural = _("inventory changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["configuration_item", "-at"], name="inventory_change_ci_at")]

    def __str__(self) -> str:
        return f"{self.configuration_item_id} @ {self.at:%Y-%m-%d %H:%M}"


class InstalledSoftware(models.Model):
    configuration_item = models.ForeignKey(
        "cmdb.ConfigurationItem", verbose_name=_("configuration item"), on_delete=models.CASCADE, related_name="software"
    )
    name = models.CharField(_("name"), max_length=300)
    version = models.CharField(_("version"), max_length=100, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("installed software")
        verbose_name_plural = _("installed software")
        ordering = ["name", "version"]
        constraints = [models.UniqueConstraint(fields=["configuration_item", "name", "version"], name="software_unique_per_ci")]

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()
