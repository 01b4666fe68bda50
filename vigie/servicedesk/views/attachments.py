"""Downloading an attachment, for staff and portal alike: only files the user may see, with
headers that stop a browser from running or sniffing what a requester uploaded."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from vigie.servicedesk.attachments import INLINE_TYPES
from vigie.servicedesk.models import Attachment
from vigie.servicedesk.views.common import allow, staff_required


def _download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=attachment_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    # The type stored at upload was sniffed from the content, never taken from the sender.
    content_type = attachment.content_type or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    if content_type == "text/plain":
        content_type = "text/plain; charset=utf-8"
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=not inline, filename=attachment.filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """Portal route: any signed-in user, limited to the attachments visible to them."""
    return _download(request, attachment_id)


@staff_required
def staff_attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    return _download(request, attachment_id)
