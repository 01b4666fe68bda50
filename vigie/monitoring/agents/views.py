"""The agent API: ``POST /agent/v1/enrol`` (an enrolment token) and ``POST /agent/v1/reports``
(signed batches). Answers are JSON; refusals carry ``{"error": reason}`` and are logged."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from vigie.monitoring.agents.log import log_refusal
from vigie.monitoring.agents.services import (
    DEFAULT_INTERVAL,
    DEFAULT_INVENTORY_INTERVAL,
    ReportError,
    authenticate,
    enrol_agent,
    ingest_reports,
    parse_reports,
)
from vigie.monitoring.models import SourceKind
from vigie.monitoring.tokens import source_for_token


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _refuse(request: HttpRequest, endpoint: str, error: ReportError, source_id: int | None = None) -> JsonResponse:
    log_refusal(request, endpoint=endpoint, status=error.status, reason=str(error), source_id=source_id)
    return JsonResponse({"error": str(error)}, status=error.status)


@csrf_exempt
@require_POST
def enrol(request: HttpRequest) -> JsonResponse:
    source = source_for_token(_bearer(request), SourceKind.AGENT)
    if source is None:
        return _refuse(request, "agent/enrol", ReportError(_("Unknown or revoked enrolment token."), 401))
    try:
        payload: Any = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _refuse(request, "agent/enrol", ReportError(_("The body is not valid JSON.")), source.pk)
    try:
        agent, secret = enrol_agent(source, payload, now=timezone.now())
    except ReportError as error:
        return _refuse(request, "agent/enrol", error, source.pk)
    return JsonResponse(
        {
            "agent_id": str(agent.agent_id),
            "secret": secret,
            "interval": DEFAULT_INTERVAL,
            "inventory_interval": DEFAULT_INVENTORY_INTERVAL,
        },
        status=201,
    )


@csrf_exempt
@require_POST
def reports(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    body = request.body
    try:
        agent = authenticate(request.headers, body, now=now)
    except ReportError as error:
        return _refuse(request, "agent/reports", error)
    try:
        parsed = parse_reports(body, now=now)
        result = ingest_reports(agent, parsed, now=now)
    except ReportError as error:
        return _refuse(request, "agent/reports", error)
    return JsonResponse(result.as_json(agent))
