"""The overview: for each organisation the user may read, its calendars and its policies."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vigie.servicedesk.views.common import allow, current_user, staff_required
from vigie.sla.models import BusinessCalendar, SlaPolicy
from vigie.sla.permissions import can_manage_calendars, can_manage_policies
from vigie.sla.views.common import readable_organizations
from vigie.tenancy.models import Organization


@dataclass
class Section:
    organization: Organization
    can_manage_calendars: bool
    can_manage_policies: bool
    calendars: list[BusinessCalendar] = field(default_factory=list)
    policies: list[SlaPolicy] = field(default_factory=list)


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    organizations = list(readable_organizations(request))
    chosen = request.GET.get("client", "")
    shown = [org for org in organizations if str(org.pk) == chosen or org.is_provider] if chosen else organizations
    sections = {
        org.pk: Section(
            org,
            can_manage_calendars=can_manage_calendars(user, org.pk),
            can_manage_policies=not org.is_provider and can_manage_policies(user, org.pk),
        )
        for org in shown
    }
    calendars = (
        BusinessCalendar.objects.visible_to(user).filter(organization_id__in=sections).prefetch_related("ranges").order_by("name")
    )
    for calendar in calendars:
        sections[calendar.organization_id].calendars.append(calendar)
    policies = (
        SlaPolicy.objects.visible_to(user)
        .filter(organization_id__in=sections)
        .select_related("calendar", "category")
        .prefetch_related("targets")
        .order_by("order", "id")
    )
    for policy in policies:
        sections[policy.organization_id].policies.append(policy)
    context = {
        "sections": list(sections.values()),
        "clients": [org for org in organizations if not org.is_provider],
        "chosen": chosen,
    }
    return render(request, "sla/overview.html", context)
