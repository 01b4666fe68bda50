"""Alerts: one row per (client, deduplication key), whatever raised it (a check, Alertmanager,
Zabbix, the agent, a generic webhook); its events; maintenance windows; each client's policy
for turning alerts into incidents."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel
from vigie.monitoring.models.visibility import ClientReadableQuerySet
from vigie.tenancy.models import Organization


class AlertSeverity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    WARNING = "warning", _("Warning")
    INFO = "info", _("Information")


# Higher is more severe: for "this severity or worse" comparisons.
SEVERITY_RANK = {AlertSeverity.INFO: 1, AlertSeverity.WARNING: 2, AlertSeverity.CRITICAL: 3}


class AlertStatus(models.TextChoices):
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class AlertQuerySet(ClientReadableQuerySet["Alert"]):
    def firing(self) -> AlertQuerySet:
        return self.filter(status=AlertStatus.FIRING)


class Alert(TimeStampedModel):
    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="alerts")
    dedup_key = models.CharField(
        _("deduplication key"), max_length=255, help_text=_("Signals with the same key for a client update one alert.")
    )
    source_kind = models.CharField(_("source"), max_length=16)
    intake_source = models.ForeignKey(
        "monitoring.IntakeSource",
        verbose_name=_("intake source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    source_check = models.ForeignKey(
        "monitoring.Check", verbose_name=_("check"), null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    configuration_item = models.ForeignKey(
        "cmdb.ConfigurationItem",
        verbose_name=_("configuration item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    service = models.ForeignKey(
        "catalog.BusinessService",
        verbose_name=_("business service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    severity = models.CharField(_("severity"), max_length=16, choices=AlertSeverity.choices, default=AlertSeverity.CRITICAL)
    status = models.CharField(_("status"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.FIRING)
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    labels: models.JSONField[dict[str, Any]] = models.JSONField(_("labels"), default=dict, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    fired_at = models.DateTimeField(_("firing since"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    is_flapping = models.BooleanField(_("flapping"), default=False)
    is_silenced = models.BooleanField(_("silenced by maintenance"), default=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket", verbose_name=_("incident"), null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    # Set when a change of state still has to be followed up (maintenance, flapping, incident,
    # notifications); cleared by the worker once done. A lost task leaves it set for the sweep.
    needs_processing_since = models.DateTimeField(_("follow-up pending since"), null=True, blank=True, editable=False)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_seen_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "dedup_key"], name="alert_unique_key_per_client")]
        indexes = [
            models.Index(fields=["organization", "status", "-last_seen_at"], name="alert_client_status_seen"),
            models.Index(fields=["configuration_item", "-last_seen_at"], name="alert_ci_seen"),
            models.Index(
                fields=["needs_processing_since"],
                name="alert_pending_follow_up",
                condition=models.Q(needs_processing_since__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.summary


class AlertEventKind(models.TextChoices):
    FIRED = "fired", _("Fired")
    REPEATED = "repeated", _("Seen again")
    RESOLVED = "resolved", _("Resolved")
    SILENCED = "silenced", _("Silenced by maintenance")
    FLAPPING = "flapping", _("Flapping")
    STABLE = "stable", _("Stable again")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INCIDENT_OPENED = "incident_opened", _("Incident opened")
    INCIDENT_UPDATED = "incident_updated", _("Added to the incident")
    INCIDENT_RESOLVED = "incident_resolved", _("Incident resolved")
    INCIDENT_REOPENED = "incident_reopened", _("Incident reopened")
    NOTIFIED = "notified", _("Notified")


class AlertEvent(models.Model):
    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=20, choices=AlertEventKind.choices)
    message = models.CharField(_("message"), max_length=500, blank=True)
    details: models.JSONField[dict[str, Any]] = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["alert", "-at"], name="alert_event_alert_at")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class Recurrence(models.TextChoices):
    NONE = "none", _("Once")
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")


class MaintenanceWindowQuerySet(ClientReadableQuerySet["MaintenanceWindow"]):
    pass


class MaintenanceWindow(TimeStampedModel):
    """A planned period when alerts of a client, a CI or a service are silenced. Recurring windows
    repeat from ``starts_at`` (same duration) until ``repeat_until``."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="maintenance_windows"
    )
    name = models.CharField(_("reason"), max_length=200)
    configuration_item = models.ForeignKey(
        "cmdb.ConfigurationItem",
        verbose_name=_("configuration item"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="maintenance_windows",
    )
    service = models.ForeignKey(
        "catalog.BusinessService",
        verbose_name=_("business service"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="maintenance_windows",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    recurrence = models.CharField(_("repeats"), max_length=8, choices=Recurrence.choices, default=Recurrence.NONE)
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MaintenanceWindowQuerySet.as_manager()

    class Meta:
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.name


class AlertPolicy(TimeStampedModel):
    """How one client's alerts become incidents and how flapping is detected."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="alert_policy"
    )
    open_incidents = models.BooleanField(_("open incidents from alerts"), default=True)
    incident_min_severity = models.CharField(
        _("lowest severity that opens an incident"), max_length=16, choices=AlertSeverity.choices, default=AlertSeverity.CRITICAL
    )
    resolve_on_recovery = models.BooleanField(
        _("resolve the incident on recovery"), default=True, help_text=_("Unless a technician has worked on it.")
    )
    reopen_within_days = models.PositiveSmallIntegerField(_("reopen a resolved incident within (days)"), default=3)
    flapping_changes = models.PositiveSmallIntegerField(_("state changes that mean flapping"), default=5)
    flapping_window_minutes = models.PositiveIntegerField(_("flapping window (minutes)"), default=60)

    class Meta:
        verbose_name = _("alert policy")
        verbose_name_plural = _("alert policies")
