"""A technician opens a ticket for a client (a phone call, a visit, an e-mail forwarded by hand)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vigie.servicedesk import services
from vigie.servicedesk.forms import SERVICE_ERRORS, StaffTicketForm, add_service_error, uploads_from
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.servicedesk.views.ticket import priority_matrix_labels
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization


def _chosen_client(value: str | None, client_ids: frozenset[int]) -> Organization | None:
    if not value or not value.isdigit():
        return None
    return Organization.objects.filter(pk=int(value), pk__in=client_ids).first()


@staff_required
def ticket_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    client_ids = access_for(user).company_wide_client_ids
    source = request.POST if request.method == "POST" else request.GET
    organization = _chosen_client(source.get("organization"), client_ids)
    status = 200
    if request.method == "POST":
        form = StaffTicketForm(request.POST, request.FILES, client_ids=client_ids, organization=organization)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.open_ticket(
                    by=user,
                    organization=data["organization"],
                    requester=data["requester"],
                    type=data["type"],
                    title=data["title"],
                    description=data["description"],
                    impact=data["impact"],
                    urgency=data["urgency"],
                    category=data["category"],
                    site=data["site"],
                    group=data["group"],
                    assignee=data["assignee"],
                    channel=data["channel"],
                    uploads=uploads_from(data["attachments"]),
                )
            except SERVICE_ERRORS as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Ticket %(reference)s opened.") % {"reference": ticket.reference})
                return redirect("servicedesk:ticket_detail", reference=ticket.reference)
        status = INVALID
    else:
        # Choosing the client refreshes the form (htmx) with that client's people and sites;
        # the values typed so far come back as initial values.
        initial = {key: value for key, value in request.GET.items() if key in StaffTicketForm.base_fields}
        form = StaffTicketForm(initial=initial, client_ids=client_ids, organization=organization)
    form.fields["organization"].widget.attrs.update(
        {
            "hx-get": reverse("servicedesk:ticket_create"),
            "hx-target": "#new-ticket-form",
            "hx-select": "#new-ticket-form",
            "hx-swap": "outerHTML",
            "hx-include": "closest form",
        }
    )
    matrix = priority_matrix_labels()
    current_priority = matrix.get(f"{form['impact'].value()}-{form['urgency'].value()}", "")
    context = {"form": form, "organization": organization, "priority_matrix": matrix, "current_priority": current_priority}
    return render(request, "servicedesk/ticket_create.html", context, status=status)
