"""HTTP to the Vigie server (urllib only) and the signature of every report.

A request carries three headers: ``X-Vigie-Agent`` (the agent id), ``X-Vigie-Timestamp`` (Unix
seconds when it was sent) and ``X-Vigie-Signature``: the hex HMAC-SHA256, keyed with the agent's
secret's SHA-256 (hex, as the server stores it), of the timestamp, a new line, and the exact
body bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import time
import urllib.error
import urllib.request
from typing import Any

from vigie_agent import __version__

USER_AGENT = f"vigie-agent/{__version__}"
AGENT_HEADER = "X-Vigie-Agent"
TIMESTAMP_HEADER = "X-Vigie-Timestamp"
SIGNATURE_HEADER = "X-Vigie-Signature"


class Unreachable(Exception):
    """The server could not be reached or failed (5xx): keep the reports and retry later."""


class Refused(Exception):
    """The server answered with a 4xx: retrying the same request will not help."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status}: {payload.get('error') or payload}")
        self.status = status
        self.payload = payload


def signature(secret: str, timestamp: str, body: bytes) -> str:
    key = hashlib.sha256(secret.encode()).hexdigest().encode()
    return hmac.new(key, timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def signed_headers(agent_id: str, secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {AGENT_HEADER: agent_id, TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 30, verify_tls: bool = True) -> dict[str, Any]:
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - the configured server
    request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", USER_AGENT)
    for name, value in headers.items():
        request.add_header(name, value)
    context = None
    if url.startswith("https:") and not verify_tls:
        context = ssl._create_unverified_context()  # noqa: S323 - explicitly asked for in the configuration
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
            return _json(response.read())
    except urllib.error.HTTPError as error:
        payload = _json(error.read())
        if error.code >= 500 or error.code == 429:
            raise Unreachable(f"HTTP {error.code}") from error
        raise Refused(error.code, payload) from error
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise Unreachable(str(getattr(error, "reason", error))) from error


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8") or "{}")
    except ValueError:
        return {"error": raw[:200].decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {"value": value}
