"""The Healthchecks-compatible ping endpoints: ``/ping/<key>[/start|/fail|/log|/<exit status>]``.

No login, no session, no CSRF: the key in the address is the credential. HEAD, GET and POST
all count. The answer is ``OK`` (200) once the ping is stored, ``not found`` (404) for a key that
no active client's heartbeat has, 400 for a malformed run id or an exit status above 255.
"""

from __future__ import annotations

import ipaddress
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from vigie.monitoring.heartbeats.pings import IncomingPing, record_ping
from vigie.monitoring.models import PingKind

METHODS = frozenset({"GET", "POST", "HEAD"})


def _answer(text: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(text, content_type="text/plain; charset=utf-8", status=status)
    response["Ping-Body-Limit"] = str(settings.VIGIE_PING_BODY_LIMIT)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response


def remote_address(request: HttpRequest) -> str | None:
    """The caller's address; behind trusted proxies, the one the last of them saw."""
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def _body(request: HttpRequest) -> tuple[str, bool]:
    if request.method != "POST":
        return "", False
    limit = settings.VIGIE_PING_BODY_LIMIT
    raw = request.read(limit + 1)
    truncated = len(raw) > limit
    text = raw[:limit].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return text, truncated


def _ping(request: HttpRequest, ping_key: uuid.UUID, kind: str, exit_status: int | None = None) -> HttpResponse:
    method = request.method or "GET"
    if method not in METHODS:
        response = _answer("method not allowed", 405)
        response["Allow"] = "GET, POST, HEAD"
        return response
    if exit_status is not None and exit_status > 255:
        return _answer("invalid url format", 400)
    run_id = None
    if "rid" in request.GET:
        try:
            run_id = uuid.UUID(request.GET["rid"])
        except ValueError:
            return _answer("invalid uuid format", 400)
    body, truncated = _body(request)
    stored = record_ping(
        IncomingPing(
            ping_key=ping_key,
            kind=kind,
            method=method,
            exit_status=exit_status,
            run_id=run_id,
            remote_address=remote_address(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
            body=body,
            body_truncated=truncated,
        )
    )
    if not stored:
        return _answer("not found", 404)
    return _answer("OK")


@csrf_exempt
def success(request: HttpRequest, ping_key: uuid.UUID) -> HttpResponse:
    return _ping(request, ping_key, PingKind.SUCCESS)


@csrf_exempt
def start(request: HttpRequest, ping_key: uuid.UUID) -> HttpResponse:
    return _ping(request, ping_key, PingKind.START)


@csrf_exempt
def fail(request: HttpRequest, ping_key: uuid.UUID) -> HttpResponse:
    return _ping(request, ping_key, PingKind.FAIL)


@csrf_exempt
def log(request: HttpRequest, ping_key: uuid.UUID) -> HttpResponse:
    return _ping(request, ping_key, PingKind.LOG)


@csrf_exempt
def exit_status(request: HttpRequest, ping_key: uuid.UUID, status: int) -> HttpResponse:
    return _ping(request, ping_key, PingKind.EXIT, exit_status=status)
