"""Where alert notifications go: e-mail addresses or an Apprise URL (Teams, Slack, Mattermost, SMS
gateways...), per client and lowest severity, with quiet hours and escalation; and each delivery."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vigie.core.crypto import EncryptedTextField
from vigie.core.models import TimeStampedModel
from vigie.monitoring.models.alerts import AlertSeverity
from vigie.monitoring.models.visibility import StaffOnlyQuerySet
from vigie.tenancy.models import Organization


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    APPRISE = "apprise", _("Chat or SMS (Apprise URL)")


class NotificationChannelQuerySet(StaffOnlyQuerySet["NotificationChannel"]):
    pass


class NotificationChannel(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="notification_channels"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    email_addresses = models.TextField(_("e-mail addresses"), blank=True, help_text=_("One address per line."))
    apprise_url = EncryptedTextField(
        _("Apprise URL"), blank=True, help_text=_("e.g. msteams://..., slack://..., mmost://...; stored encrypted.")
    )
    min_severity = models.CharField(
        _("lowest severity"), max_length=16, choices=AlertSeverity.choices, default=AlertSeverity.WARNING
    )
    quiet_hours_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    quiet_hours_timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    critical_during_quiet_hours = models.BooleanField(
        _("critical alerts during quiet hours"), default=True, help_text=_("Critical alerts are still sent at night.")
    )
    escalate_after_minutes = models.PositiveIntegerField(
        _("escalate after (minutes)"), null=True, blank=True, help_text=_("When an alert is still firing and unacknowledged.")
    )
    escalation_channel = models.ForeignKey(
        "self", verbose_name=_("escalate to"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = NotificationChannelQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["organization", "name"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DEFERRED = "deferred", _("Held for quiet hours")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NotificationDelivery(models.Model):
    """One notification of one alert event to one channel; unique per (channel, alert, event) so
    that a retried task never sends twice."""

    channel = models.ForeignKey(
        NotificationChannel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="deliveries"
    )
    alert = models.ForeignKey("monitoring.Alert", verbose_name=_("alert"), on_delete=models.CASCADE, related_name="deliveries")
    event_key = models.CharField(_("event"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "alert", "event_key"], name="delivery_unique_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next")]

    def __str__(self) -> str:
        return f"{self.event_key} → {self.channel_id}: {self.status}"
