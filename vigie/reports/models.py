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
