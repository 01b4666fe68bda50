"""One error format for the whole API.

Every error answers ``{"error": {"code": ..., "message": ..., "status": ..., "fields": {name: [messages]}}}``
(``fields`` is empty when no particular field is at fault). Django ``ValidationError`` and
``PermissionDenied`` raised by services become 400 and 403; a status change the workflow forbids
becomes a 400 on the ``status`` field; a write that loses a race on a unique value becomes a 409;
a body over Django's upload limits becomes a 413 (too large) or a 400 (too many parts).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from vigie.servicedesk.workflow import TransitionError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _lazy("This conflicts with a change made at the same time; read the data again and retry.")
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _lazy("The request is too large; send files as multipart uploads within the size limit.")
    default_code = "too_large"


def _fields_from_django(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {name: [str(m) for e in errors for m in e.messages] for name, errors in error.error_dict.items()}
    return {"non_field_errors": [str(m) for m in error.messages]}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, list):
        return [m for item in detail for m in _flatten(item)]
    if isinstance(detail, dict):
        return [f"{k}: {m}" for k, v in detail.items() for m in _flatten(v)]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_fields_from_django(exc))
    elif isinstance(exc, TransitionError):
        exc = exceptions.ValidationError({"status": [str(exc)]})
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, IntegrityError):
        exc = Conflict()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(_("The request has too many fields or files."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(exc.detail, dict):
            fields = {name: _flatten(value) for name, value in exc.detail.items()}
        else:
            fields = {"non_field_errors": _flatten(exc.detail)}
        message = _("The request has invalid fields.")
        code = "invalid"
    else:
        detail = getattr(exc, "detail", "")
        message = str(detail if not isinstance(detail, list | dict) else "; ".join(_flatten(detail)))
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
    response.data = {"error": {"code": code, "message": message, "status": response.status_code, "fields": fields}}
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
