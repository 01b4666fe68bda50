"""``POST /intake/<kind>/`` (token in ``Authorization: Bearer``) and ``POST /intake/<kind>/<token>/``
(token in the path, for tools that cannot set headers) for Alertmanager, Zabbix and the generic
JSON webhook.

Answers ``200`` once the delivery is committed, ``400`` with the reason for a malformed payload
(nothing applied, the refusal logged), ``401`` without a valid token of this kind, ``405`` for
another method, ``413`` above ``VIGIE_MAX_ALERT_INTAKE_BYTES``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from vigie.monitoring.intake import alertmanager, generic, zabbix
from vigie.monitoring.intake.delivery import deliver
from vigie.monitoring.intake.log import log_refusal
from vigie.monitoring.intake.parsing import Draft, PayloadError
from vigie.monitoring.models import IntakeSource, SourceKind
from vigie.monitoring.tokens import source_for_token

Reader = Callable[[Any], list[Draft]]
READERS: dict[str, Reader] = {
    SourceKind.ALERTMANAGER: alertmanager.read,
    SourceKind.ZABBIX: zabbix.read,
    SourceKind.GENERIC: generic.read,
}


def _error(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="vigie-intake"'
    return response


def _token(request: HttpRequest, path_token: str | None) -> str:
    if path_token:
        return path_token
    scheme, _space, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def receive(request: HttpRequest, kind: str, token: str | None = None) -> JsonResponse:
    endpoint = f"intake/{kind}"
    if request.method != "POST":
        response = _error(405, "method_not_allowed", _("Only POST is accepted here."))
        response["Allow"] = "POST"
        return response
    source: IntakeSource | None = source_for_token(_token(request, token), kind)
    if source is None:
        reason = _("A valid token of a %(kind)s intake source is required.") % {"kind": SourceKind(kind).label}
        log_refusal(request, endpoint=endpoint, status=401, reason=reason, source=None, size=_declared_length(request))
        return _error(401, "not_authenticated", reason)
    limit = settings.VIGIE_MAX_ALERT_INTAKE_BYTES
    too_large = _("The delivery is too large; the limit is %(limit)s bytes.") % {"limit": limit}
    declared = _declared_length(request)
    if declared > limit:
        log_refusal(request, endpoint=endpoint, status=413, reason=too_large, source=source, size=declared)
        return _error(413, "too_large", too_large)
    try:
        body = request.body
    except RequestDataTooBig:
        log_refusal(request, endpoint=endpoint, status=413, reason=too_large, source=source, size=declared)
        return _error(413, "too_large", too_large)
    if len(body) > limit:
        log_refusal(request, endpoint=endpoint, status=413, reason=too_large, source=source, body=body)
        return _error(413, "too_large", too_large)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        reason = _("The body is not valid JSON: %(error)s") % {"error": str(error)[:200]}
        log_refusal(request, endpoint=endpoint, status=400, reason=reason, source=source, body=body)
        return _error(400, "malformed", reason)
    try:
        drafts = READERS[kind](payload)
    except PayloadError as error:
        log_refusal(request, endpoint=endpoint, status=400, reason=error.reason, source=source, body=body)
        return _error(400, "invalid", error.reason)
    result = deliver(source, drafts)
    return JsonResponse({"status": "ok", **result.as_dict()})


def _endpoint(kind: str) -> Callable[..., JsonResponse]:
    @csrf_exempt
    def view(request: HttpRequest, token: str | None = None) -> JsonResponse:
        return receive(request, kind, token)

    view.__name__ = f"receive_{kind}"
    return view


receive_alertmanager = _endpoint(SourceKind.ALERTMANAGER)
receive_zabbix = _endpoint(SourceKind.ZABBIX)
receive_generic = _endpoint(SourceKind.GENERIC)


def generic_schema(request: HttpRequest) -> JsonResponse:
    """The generic webhook's JSON Schema, for senders to validate against."""
    return JsonResponse(generic.schema())
