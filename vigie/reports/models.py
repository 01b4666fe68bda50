"""What the reports practice keeps: the monthly reviews sent, so that a schedule sends each once."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from vigie.tenancy.models import Organization


class ReviewDeliveryQuerySet(models.QuerySet["ReviewDelivery"]):
    def visible_to(self, user: Any) -> ReviewDeliveryQuerySet:
        from vigie.tenancy.access import access_for

        access = access_for(user)
        if access.is_superuser:
            return self.all()
        return self.filter(organization_id__in=access.company_wide_client_ids)


class ReviewDelivery(models.Model):
    """The monthly service review of one client for one month, as e-mailed."""

    organization = models.ForeignKey(Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"), help_text=_("First day of the month reviewed."))
    language = models.CharField(_("language"), max_length=8)
    recipients: models.JSONField[list[str]] = models.JSONField(_("recipients"), default=list)
    sent_at = models.DateTimeField(_("sent at"))

    objects = ReviewDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("review sent")
        verbose_name_plural = _("reviews sent")
        ordering = ["-month", "organization__name"]
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="review_sent_once_per_month")]

    def __str__(self) -> str:
        return f"{self.organization} {self.month:%Y-%m}"


class MonthlyFigures(models.Model):
    """The trend figures of one client for one closed month, kept by the worker
    (``vigie.reports.kpis.monthly``): sums and counts, so that months and clients add up."""

    organization = models.ForeignKey(Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"), help_text=_("First day of the month, in the provider's time zone."))
    opened = models.PositiveIntegerField(_("opened"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    calendar_seconds = models.FloatField(_("resolution time, calendar (s)"), default=0)
    business_seconds = models.FloatField(_("resolution time, business (s)"), default=0)
    business_count = models.PositiveIntegerField(_("resolutions measured in business time"), default=0)
    met = models.PositiveIntegerField(_("resolutions within the SLA"), default=0)
    measured = models.PositiveIntegerField(_("resolutions with an SLA target"), default=0)

    class Meta:
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="monthly_figures_once")]
        indexes = [models.Index(fields=["month", "organization"], name="monthly_figures_month_idx")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}"


class FiguresMonth(models.Model):
    """A closed month whose ``MonthlyFigures`` were all computed, and when (a month without one
    is read from the tickets themselves)."""

    month = models.DateField(_("month"), unique=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("month of figures")
        verbose_name_plural = _("months of figures")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
