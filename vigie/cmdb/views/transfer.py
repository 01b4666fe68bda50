"""CSV export and import of a client's configuration items."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from vigie.cmdb import transfer
from vigie.cmdb.forms import ImportForm
from vigie.cmdb.permissions import can_manage
from vigie.cmdb.views.common import client_from_query, refused_message, visible_clients
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required


@staff_required
def export_csv(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    organization = client_from_query(request)
    if organization is None:
        raise Http404
    response = HttpResponse(transfer.export_csv(organization).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cmdb-{organization.slug}-{timezone.localdate():%Y%m%d}.csv"'
    return response


@staff_required
def import_csv(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    organization = client_from_query(request)
    clients = [c for c in visible_clients(request) if can_manage(user, c.pk)]
    context: dict[str, object] = {"organization": organization, "clients": clients, "form": ImportForm(), "report": None}
    if request.method == "POST":
        if organization is None or not can_manage(user, organization.pk):
            raise PermissionDenied(refused_message())
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "cmdb/import.html", context, status=INVALID)
        data = form.cleaned_data["file"].read()
        report = transfer.import_csv(by=user, organization=organization, data=data, dry_run=form.cleaned_data["dry_run"])
        context["report"] = report
        return render(request, "cmdb/import.html", context, status=200 if report.ok else INVALID)
    return render(request, "cmdb/import.html", context)
