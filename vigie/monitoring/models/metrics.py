"""Machine metrics (disk use per mount, memory, load...): raw samples kept for a few days, then
downsampled to hourly and daily rollups kept longer (see ``monitoring.metrics`` for the policy)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MetricSample(models.Model):
    configuration_item = models.ForeignKey(
        "cmdb.ConfigurationItem", verbose_name=_("configuration item"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("metric"), max_length=100)
    at = models.DateTimeField(_("at"))
    value = models.FloatField(_("value"))

    class Meta:
        verbose_name = _("metric sample")
        verbose_name_plural = _("metric samples")
        constraints = [models.UniqueConstraint(fields=["configuration_item", "name", "at"], name="metric_sample_unique")]
        indexes = [models.Index(fields=["at"], name="metric_sample_at")]

    def __str__(self) -> str:
        return f"{self.name}={self.value} @ {self.at:%Y-%m-%d %H:%M}"


class MetricResolution(models.TextChoices):
    HOUR = "hour", _("Hourly")
    DAY = "day", _("Daily")


class MetricRollup(models.Model):
    configuration_item = models.ForeignKey(
        "cmdb.ConfigurationItem", verbose_name=_("configuration item"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("metric"), max_length=100)
    resolution = models.CharField(_("resolution"), max_length=8, choices=MetricResolution.choices)
    bucket_start = models.DateTimeField(_("from"))
    count = models.PositiveIntegerField(_("samples"))
    minimum = models.FloatField(_("minimum"))
    maximum = models.FloatField(_("maximum"))
    total = models.FloatField(_("sum"))

    class Meta:
        verbose_name = _("metric rollup")
        verbose_name_plural = _("metric rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["configuration_item", "name", "resolution", "bucket_start"], name="metric_rollup_unique"
            )
        ]
        indexes = [models.Index(fields=["resolution", "bucket_start"], name="metric_rollup_bucket")]

    def __str__(self) -> str:
        return f"{self.name} {self.resolution} {self.bucket_start:%Y-%m-%d %H:%M}"

    @property
    def average(self) -> float:
        return self.total / self.count if self.count else 0.0
