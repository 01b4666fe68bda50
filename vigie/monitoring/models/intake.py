"""Where alerts and inventories from other tools come in: a source per client and tool, with its
own token (only a SHA-256 hash is stored), and a log of refused or accepted deliveries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel
from vigie.monitoring.models.visibility import StaffOnlyQuerySet
from vigie.tenancy.models import Organization


class SourceKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    ZABBIX = "zabbix", _("Zabbix")
    GLPI_AGENT = "glpi_agent", _("GLPI Agent")
    GENERIC = "generic", _("Generic JSON webhook")
    AGENT = "agent", _("Vigie agent enrolment")


class IntakeSourceQuerySet(StaffOnlyQuerySet["IntakeSource"]):
    pass


class IntakeSource(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="intake_sources"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("hint"), max_length=12, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    last_received_at = models.DateTimeField(_("last received"), null=True, blank=True)
    received_count = models.PositiveBigIntegerField(_("deliveries received"), default=0)

    objects = IntakeSourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("intake source")
        verbose_name_plural = _("intake sources")
        ordering = ["organization", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class IntakeOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class IntakeLog(models.Model):
    """A refused delivery (with its reason), kept for the provider to diagnose a sender."""

    source = models.ForeignKey(
        IntakeSource, verbose_name=_("source"), null=True, blank=True, on_delete=models.CASCADE, related_name="logs"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    endpoint = models.CharField(_("endpoint"), max_length=32)
    outcome = models.CharField(_("outcome"), max_length=16, choices=IntakeOutcome.choices)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    remote_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    excerpt = models.TextField(_("start of the payload"), blank=True)

    class Meta:
        verbose_name = _("intake log entry")
        verbose_name_plural = _("intake log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.status_code} {self.reason}"[:100]
