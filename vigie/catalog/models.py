"""Business services of each client company: what the business runs on and what an outage costs.

This is the first slice of the service catalog: enough for SLAs, availability and reviews to
name a service. Request templates, supporting CIs and RTO/RPO come with the catalog practice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel
from vigie.tenancy.models import Organization


class Criticality(models.IntegerChoices):
    VITAL = 1, _("Vital")
    HIGH = 2, _("High")
    MEDIUM = 3, _("Medium")
    LOW = 4, _("Low")


class BusinessServiceQuerySet(models.QuerySet["BusinessService"]):
    def visible_to(self, user: Any) -> BusinessServiceQuerySet:
        from vigie.tenancy.access import visible_organization_ids

        return self.filter(organization_id__in=visible_organization_ids(user))

    def active(self) -> BusinessServiceQuerySet:
        return self.filter(is_active=True)


class BusinessService(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="business_services"
    )
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    criticality = models.PositiveSmallIntegerField(_("criticality"), choices=Criticality.choices, default=Criticality.MEDIUM)
    hourly_downtime_cost = models.DecimalField(
        _("hourly cost of downtime (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("service hours"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The hours the service must be available; empty means around the clock."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = BusinessServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("business service")
        verbose_name_plural = _("business services")
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="service_unique_name_per_client")]

    def __str__(self) -> str:
        return self.name
