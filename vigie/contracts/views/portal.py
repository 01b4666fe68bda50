"""The client's contracts in the portal (``/portal/contracts/``): read-only, for the client's
manager and IT contact; anyone else gets a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from vigie.contracts.models import Contract, Licence
from vigie.servicedesk.views.common import allow, current_user
from vigie.tenancy.access import access_for


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    access = access_for(user)
    if access.is_staff_member or not access.company_wide_client_ids:
        raise Http404
    if refused := allow(request, "GET", "HEAD"):
        return refused
    context = {
        "contracts": Contract.objects.visible_to(user).select_related("organization", "supplier").order_by("end_date", "title"),
        "licences": Licence.objects.visible_to(user).defer("key").with_usage().order_by("software"),
        "today": timezone.localdate(),
    }
    return render(request, "contracts/portal_list.html", context)
