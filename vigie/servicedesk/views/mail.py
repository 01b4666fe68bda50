"""Incoming e-mail, for provider staff: what each message became, and the rejected folder.

A message that did not become a ticket or a reply (unknown sender, loop, broken MIME…) is kept
with its raw bytes and the reason; here a technician finds it, reads why, and downloads the
original to forward or replay it.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render

from vigie.core.pagination import CappedPaginator
from vigie.notifications.models import InboundEmail, InboundStatus
from vigie.servicedesk.views.common import allow, current_user, staff_required

PAGE_SIZE = 50
# The tabs of the page: the rejected folder first, since that is what needs a look.
FOLDERS = {
    "rejected": (InboundStatus.REJECTED, InboundStatus.FAILED),
    "accepted": (InboundStatus.ACCEPTED,),
    "ignored": (InboundStatus.IGNORED, InboundStatus.DUPLICATE),
}


@staff_required
def inbound_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    folder = request.GET.get("folder", "rejected")
    if folder not in FOLDERS:
        folder = "rejected"
    messages = (
        InboundEmail.objects.visible_to(current_user(request))
        .filter(status__in=FOLDERS[folder])
        .select_related("organization", "ticket")
        .order_by("-received_at", "-id")
    )
    page = CappedPaginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "servicedesk/inbound_list.html", {"page": page, "folder": folder})


@staff_required
def inbound_raw(request: HttpRequest, inbound_id: int) -> HttpResponseBase:
    """The message exactly as received, as a file to save (never rendered by the browser)."""
    message = get_object_or_404(InboundEmail.objects.visible_to(current_user(request)), pk=inbound_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    try:
        handle = message.raw.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=f"message-{message.pk}.eml", content_type="message/rfc822")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
