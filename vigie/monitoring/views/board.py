"""The supervision overview: every client's checks and alerts, problems first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vigie.servicedesk.views.common import staff_required


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/overview.html", {})
