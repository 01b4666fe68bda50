"""``POST /inbound/email/``: a mail server hands over one raw RFC 822 message.

Authenticated by an intake token (``Authorization: Bearer vgi_…``, see
``vigie intaketoken``). Answers 202 with what became of the message, 400 when it is
not a usable message, 413 when it is too large, 401 without a valid token.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from vigie.notifications.models import InboundSource
from vigie.servicedesk.inbound.intake import process_message
from vigie.servicedesk.inbound.tokens import authenticate_intake_token

BAD_MESSAGE_CODES = frozenset({"malformed", "no_sender"})


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": message, "fields": {}}, **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="inbound-email"'
    return response


def _authenticated(request: HttpRequest) -> bool:
    scheme, _space, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() not in ("bearer", "token") or not credentials.strip():
        return False
    return authenticate_intake_token(credentials.strip()) is not None


@csrf_exempt
@require_POST
def receive_email(request: HttpRequest) -> JsonResponse:
    if not _authenticated(request):
        return _error(401, "not_authenticated", _("A valid intake token is required."))
    limit = settings.VIGIE_MAX_INBOUND_EMAIL_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = _("The message is too large; the limit is %(limit)s bytes.") % {"limit": limit}
    if declared > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        # Not read at all: the mail server keeps the message and bounces it to its sender.
        return _error(413, "too_large", too_large)
    try:
        raw = request.body
    except RequestDataTooBig:
        return _error(413, "too_large", too_large)
    if not raw.strip():
        return _error(400, "empty", _("The request body is empty: post the raw message."))
    result = process_message(raw, source=InboundSource.HTTP)
    if result.reason_code == "too_large":
        return _error(413, result.reason_code, result.reason, result=result.as_dict())
    if result.reason_code in BAD_MESSAGE_CODES:
        return _error(400, result.reason_code, result.reason, result=result.as_dict())
    return JsonResponse(result.as_dict(), status=202)
