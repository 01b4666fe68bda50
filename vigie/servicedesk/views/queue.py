"""The technician's queue: every ticket of the clients they serve, filtered, sorted, paged."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from vigie.core.pagination import CappedPaginator, search_paging
from vigie.servicedesk.filters import PAGE_SIZE, current_view, filtered_queue, saved_views
from vigie.servicedesk.views.common import allow, current_user, is_htmx_fragment, staff_required


@staff_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    queue, tickets = filtered_queue(request.GET, current_user(request))
    page = CappedPaginator(tickets, PAGE_SIZE, **search_paging(bool(queue.cleaned.get("q")))).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "queue": queue,
        "form": queue.form,
        "sort": queue.sort,
        "saved_views": saved_views(),
        "current_view": current_view(request.GET),
    }
    if is_htmx_fragment(request) and request.headers.get("HX-Target") == "ticket-table":
        return render(request, "servicedesk/partials/_ticket_table.html", context)
    return render(request, "servicedesk/ticket_list.html", context)
