"""Checks: heartbeats that backup and cron jobs ping, and agentless probes run by ``vigie probe``.

A check belongs to a client company and may watch a configuration item and a business service.
Heartbeats follow the Healthchecks ping API (``/ping/<ping_key>``); probes are claimed from the
database by probe processes with conditional updates (``next_run_at``, ``claimed_by``,
``claimed_until``), so several processes share the work and a dead one's claims expire.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel
from vigie.monitoring.models.alerts import AlertSeverity
from vigie.monitoring.models.visibility import ClientReadableQuerySet
from vigie.tenancy.models import Organization


class CheckKind(models.TextChoices):
    HEARTBEAT = "heartbeat", _("Heartbeat (backup or scheduled job)")
    HTTP = "http", _("Web page (HTTP)")
    TCP = "tcp", _("TCP port")
    ICMP = "icmp", _("Ping (ICMP)")
    TLS = "tls", _("TLS certificate")
    DNS = "dns", _("DNS records")
    DOMAIN = "domain", _("Domain registration")


PROBE_KINDS = frozenset({CheckKind.HTTP, CheckKind.TCP, CheckKind.ICMP, CheckKind.TLS, CheckKind.DNS, CheckKind.DOMAIN})


class CheckStatus(models.TextChoices):
    NEW = "new", _("New")
    UP = "up", _("Up")
    LATE = "late", _("Late")
    DOWN = "down", _("Down")
    PAUSED = "paused", _("Paused")


class ScheduleKind(models.TextChoices):
    PERIOD = "period", _("Every period")
    CRON = "cron", _("Cron expression")


class CheckQuerySet(ClientReadableQuerySet["Check"]):
    def heartbeats(self) -> CheckQuerySet:
        return self.filter(kind=CheckKind.HEARTBEAT)

    def probes(self) -> CheckQuerySet:
        return self.filter(kind__in=PROBE_KINDS)


class Check(TimeStampedModel):
    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=CheckKind.choices)
    description = models.TextField(_("description"), blank=True)
    configuration_item = models.ForeignKey(
        "cmdb.ConfigurationItem",
        verbose_name=_("configuration item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checks",
    )
    service = models.ForeignKey(
        "catalog.BusinessService",
        verbose_name=_("business service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checks",
    )
    severity = models.CharField(
        _("alert severity"),
        max_length=16,
        choices=AlertSeverity.choices,
        default=AlertSeverity.CRITICAL,
        help_text=_("The severity of the alert raised when it fails."),
    )
    status = models.CharField(_("status"), max_length=16, choices=CheckStatus.choices, default=CheckStatus.NEW)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    last_result_at = models.DateTimeField(_("last result at"), null=True, blank=True)
    last_latency_ms = models.FloatField(_("last latency (ms)"), null=True, blank=True)
    last_message = models.CharField(_("last message"), max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)

    # Heartbeats
    ping_key = models.UUIDField(_("ping key"), default=uuid.uuid4, unique=True, editable=False)
    schedule_kind = models.CharField(_("schedule"), max_length=8, choices=ScheduleKind.choices, default=ScheduleKind.PERIOD)
    period_seconds = models.PositiveIntegerField(_("period (seconds)"), default=86400)
    cron_expression = models.CharField(_("cron expression"), max_length=100, blank=True)
    schedule_timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    grace_seconds = models.PositiveIntegerField(_("grace period (seconds)"), default=3600)
    last_ping_at = models.DateTimeField(_("last ping"), null=True, blank=True)
    last_start_at = models.DateTimeField(_("last start"), null=True, blank=True)
    last_duration_seconds = models.FloatField(_("last duration (seconds)"), null=True, blank=True)
    # When a heartbeat in state up becomes late, then down: the sweeper reads these.
    late_at = models.DateTimeField(null=True, blank=True, editable=False)
    down_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_backup = models.BooleanField(_("backup job"), default=False, help_text=_("A backup job also records its restore tests."))

    # Probes
    target = models.CharField(
        _("target"), max_length=500, blank=True, help_text=_("An address (URL), a host name or an IP address.")
    )
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    options: models.JSONField[dict[str, Any]] = models.JSONField(
        _("options"), default=dict, blank=True, help_text=_("Kind-specific settings: expected status, keyword, records...")
    )
    interval_seconds = models.PositiveIntegerField(_("interval (seconds)"), default=300)
    timeout_seconds = models.FloatField(_("timeout (seconds)"), default=10.0)
    retries = models.PositiveSmallIntegerField(
        _("retries"), default=2, help_text=_("Failed runs in a row, after the first, before the check is down.")
    )
    next_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_by = models.CharField(max_length=64, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="check_organization_status"),
            models.Index(fields=["kind", "next_run_at"], name="check_kind_next_run"),
            models.Index(fields=["down_at"], name="check_down_at"),
            models.Index(fields=["late_at"], name="check_late_at"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_heartbeat(self) -> bool:
        return self.kind == CheckKind.HEARTBEAT


class ProbeResult(models.Model):
    """One probe run: its outcome, latency and what it found."""

    probe_check = models.ForeignKey(Check, verbose_name=_("check"), on_delete=models.CASCADE, related_name="results")
    at = models.DateTimeField(_("at"))
    ok = models.BooleanField(_("succeeded"))
    latency_ms = models.FloatField(_("latency (ms)"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    details: models.JSONField[dict[str, Any]] = models.JSONField(_("details"), default=dict, blank=True)
    probe_name = models.CharField(_("probe"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("probe result")
        verbose_name_plural = _("probe results")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["probe_check", "-at"], name="probe_result_check_at")]

    def __str__(self) -> str:
        return f"{'ok' if self.ok else 'failed'} @ {self.at:%Y-%m-%d %H:%M:%S}"


class PingKind(models.TextChoices):
    SUCCESS = "success", _("Success")
    START = "start", _("Start")
    FAIL = "fail", _("Failure")
    LOG = "log", _("Log")
    EXIT = "exit", _("Exit status")


class Ping(models.Model):
    """One call to a heartbeat's ping address, as received."""

    heartbeat = models.ForeignKey(Check, verbose_name=_("check"), on_delete=models.CASCADE, related_name="pings")
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=8, choices=PingKind.choices)
    exit_status = models.PositiveSmallIntegerField(_("exit status"), null=True, blank=True)
    run_id = models.UUIDField(_("run id"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=8)
    remote_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    body_truncated = models.BooleanField(_("body truncated"), default=False)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("ping")
        verbose_name_plural = _("pings")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["heartbeat", "-at"], name="ping_heartbeat_at")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M:%S}"


class RestoreResult(models.TextChoices):
    SUCCESS = "success", _("Restored completely")
    PARTIAL = "partial", _("Partly restored")
    FAILED = "failed", _("Failed")


class RestoreTest(TimeStampedModel):
    """A test restore of a backup job's data: the proof that the backup is usable."""

    backup = models.ForeignKey(Check, verbose_name=_("backup check"), on_delete=models.CASCADE, related_name="restore_tests")
    performed_on = models.DateField(_("performed on"))
    result = models.CharField(_("result"), max_length=16, choices=RestoreResult.choices)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("What was restored, where, and how it was checked (or a link to the report).")
    )

    class Meta:
        verbose_name = _("restore test")
        verbose_name_plural = _("restore tests")
        ordering = ["-performed_on", "-id"]


class ProbePolicy(TimeStampedModel):
    """Which addresses the probes may reach for one client. With no policy, only public
    internet addresses are allowed: never the provider's own network, loopback or link-local."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="probe_policy"
    )
    allowed_networks = models.TextField(
        _("allowed private networks"),
        blank=True,
        help_text=_("One network per line in CIDR notation (e.g. 10.20.0.0/16), reachable by this client's checks."),
    )
    allow_public = models.BooleanField(_("allow public addresses"), default=True)

    class Meta:
        verbose_name = _("probe policy")
        verbose_name_plural = _("probe policies")
