"""Entry points that belong to no practice: the home redirect and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from vigie.tenancy.access import access_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Provider staff land on their dashboard (queue, at risk, breached), client users on the portal."""
    if access_for(request.user).is_staff_member:
        return redirect("reports:technician")
    return redirect("portal:ticket_list")


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
