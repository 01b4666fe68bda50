"""Helpers shared by the ticket endpoints: finding a visible ticket by reference, reading uploads."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import serializers

from vigie.servicedesk.models import Ticket, TicketQuerySet
from vigie.servicedesk.services import Upload

REFERENCE_REGEX = "[A-Za-z]+-[0-9]+"
_REFERENCE = re.compile(r"^([A-Z]+)-([0-9]{1,9})$")


def normalize_reference(raw: str) -> str:
    """``inc-12`` and ``INC-000012`` name the same ticket."""
    match = _REFERENCE.match(raw.strip().upper())
    if match is None:
        raise Http404
    prefix, number = match.groups()
    return f"{prefix}-{int(number):06d}"


def visible_ticket(queryset: TicketQuerySet, user: Any, reference: str) -> Ticket:
    """The ticket if the caller can see it; 404 otherwise, whether it exists or not."""
    ticket = queryset.visible_to(user).filter(reference=normalize_reference(reference)).first()
    if ticket is None:
        raise Http404
    return ticket


def read_uploads(files: list[UploadedFile[Any]], field: str) -> list[Upload]:
    """Turn uploaded files into ``Upload``s, refusing an oversize file before reading it into memory."""
    limit = settings.VIGIE_MAX_ATTACHMENT_BYTES
    uploads = []
    for file in files:
        if file.size is not None and file.size > limit:
            raise serializers.ValidationError(
                {
                    field: [
                        _("“%(name)s” is too large (%(size)s); the limit is %(limit)s.")
                        % {"name": file.name, "size": filesizeformat(file.size), "limit": filesizeformat(limit)}
                    ]
                }
            )
        uploads.append(Upload(filename=file.name or "file", data=file.read()))
    return uploads
