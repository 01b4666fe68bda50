"""The health of the own company in the portal (``/portal/health/``): read-only, for a client's
manager and IT contact; no settings, no ping addresses. Anyone else gets a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from vigie.monitoring.views.board import REFRESH_SECONDS, client_health
from vigie.monitoring.views.common import served_clients
from vigie.servicedesk.views.common import allow, current_user
from vigie.tenancy.access import access_for


@login_required
def health(request: HttpRequest) -> HttpResponse:
    access = access_for(current_user(request))
    if access.is_staff_member or not access.company_wide_client_ids:
        raise Http404
    if refused := allow(request, "GET", "HEAD"):
        return refused
    companies = [client_health(organization) for organization in served_clients(request)]
    return render(request, "monitoring/portal_health.html", {"companies": companies, "refresh_seconds": REFRESH_SECONDS})
