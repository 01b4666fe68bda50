"""The supervision overview: every client's checks and alerts, problems first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vigie.monitoring.permissions import require_staff


def overview(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    return render(request, "monitoring/overview.html", {})
