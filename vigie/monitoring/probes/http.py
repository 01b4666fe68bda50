"""HTTP(S) probe: status codes, keyword present or absent, latency threshold, redirects.

Requests go through httpx with a network backend that resolves each host itself, checks every
address against the client's probe policy, and connects to a checked address (TLS still uses
the host name for SNI and verification). Every redirect hop opens its own connection through the
same backend, so a redirect to a refused address is refused too. Connections are never kept
alive: one client's connection must not serve another client's check.
"""

from __future__ import annotations

import contextvars
import importlib.util
import itertools
import sys
import typing
from typing import Any

import httpcore
import httpx
from django.utils.translation import gettext as _

from vigie.monitoring.probes.base import Outcome, ProbeJob, Stopwatch
from vigie.monitoring.probes.policy import UNRESTRICTED, AddressPolicy, resolve_checked
from vigie.monitoring.probes.tls import client_context

# httpcore tries ``import sniffio`` on every request; when it is not installed, a failed import is
# not cached and costs a search of the whole import path each time. Record it as missing once.
if importlib.util.find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

MAX_BODY = 1024 * 1024
# httpcore scans its pool's connection list for every request: with hundreds of requests in
# flight, one pool costs quadratic time. Requests are spread over several small pools instead.
POOLS = 32
USER_AGENT = "Vigie-probe/1.0"

current_policy: contextvars.ContextVar[AddressPolicy] = contextvars.ContextVar("probe_policy", default=UNRESTRICTED)
connected_addresses: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("probe_addresses", default=None)


class PolicyBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the current task's policy allows, and to the address it checked."""

    def __init__(self) -> None:
        from httpcore._backends.auto import AutoBackend

        self._backend = AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve_checked(host, port, current_policy.get())
        error: Exception | None = None
        for address in addresses:
            try:
                stream = await self._backend.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failure:
                error = failure
                continue
            seen = connected_addresses.get()
            if seen is not None:
                seen.append(address)
            return stream
        raise error or httpcore.ConnectError(host)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError(path)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _transport(verify: bool) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(verify=False, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=client_context(verify),
        max_connections=None,
        max_keepalive_connections=0,
        network_backend=PolicyBackend(),
    )
    return transport


class HttpClients:
    """Verifying and non-verifying clients, shared by all the HTTP checks of a probe process."""

    def __init__(self) -> None:
        self._clients: dict[bool, list[httpx.AsyncClient]] = {}
        self._turn = itertools.count()

    def get(self, verify: bool) -> httpx.AsyncClient:
        if verify not in self._clients:
            self._clients[verify] = [
                httpx.AsyncClient(
                    transport=_transport(verify),
                    follow_redirects=False,
                    trust_env=False,
                    headers={"User-Agent": USER_AGENT},
                    limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
                )
                for _ in range(POOLS)
            ]
        clients = self._clients[verify]
        return clients[next(self._turn) % len(clients)]

    async def aclose(self) -> None:
        for clients in self._clients.values():
            for client in clients:
                await client.aclose()
        self._clients.clear()


async def _read_body(response: httpx.Response) -> bytes:
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= MAX_BODY:
            break
    return body[:MAX_BODY]


def describe_http_error(error: BaseException) -> str:
    if isinstance(error, httpx.TimeoutException):
        return _("No answer within the time limit.")
    if isinstance(error, httpx.ConnectError):
        text = str(error)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return _("The certificate is not valid: %(reason)s") % {"reason": text.split("]", 1)[-1].strip()}
        return _("Connection failed: %(reason)s") % {"reason": text or error.__class__.__name__}
    return str(error) or error.__class__.__name__


async def probe_http(job: ProbeJob, clients: HttpClients) -> Outcome:
    options = job.options
    expected = [int(code) for code in options.get("expected_status", [])] or list(range(200, 400))
    follow = bool(options.get("follow_redirects", True))
    max_redirects = int(options.get("max_redirects", 5))
    client = clients.get(bool(options.get("verify_tls", True)))
    method = str(options.get("method", "GET")).upper()
    current_policy.set(job.policy)
    hops: list[str] = []
    connected_addresses.set(hops)
    watch = Stopwatch()
    url = httpx.URL(job.target)
    redirects: list[str] = []
    while True:
        async with client.stream(method, url, timeout=job.timeout) as response:
            body = await _read_body(response) if method != "HEAD" else b""
            location = response.headers.get("location")
            if follow and response.is_redirect and location:
                if len(redirects) >= max_redirects:
                    return Outcome(
                        False,
                        _("More than %(count)s redirects.") % {"count": max_redirects},
                        watch.ms(),
                        {"redirects": redirects, "addresses": hops},
                    )
                url = url.join(location)
                if url.scheme not in ("http", "https"):
                    return Outcome(False, _("Redirect to an unsupported address: %(url)s") % {"url": str(url)}, watch.ms())
                redirects.append(str(url))
                if response.status_code == 303:
                    method = "GET" if method != "HEAD" else method
                continue
            break
    latency = watch.ms()
    details: dict[str, Any] = {"status": response.status_code, "addresses": hops}
    if redirects:
        details["redirects"] = redirects
    if response.status_code not in expected:
        message = _("Unexpected status %(status)s.") % {"status": response.status_code}
        return Outcome(False, message, latency, details)
    text = body.decode(response.encoding or "utf-8", errors="replace") if body else ""
    keyword = str(options.get("keyword", ""))
    if keyword and keyword not in text:
        return Outcome(False, _("Keyword “%(keyword)s” not found.") % {"keyword": keyword}, latency, details)
    absent = str(options.get("keyword_absent", ""))
    if absent and absent in text:
        return Outcome(False, _("Keyword “%(keyword)s” found.") % {"keyword": absent}, latency, details)
    threshold = options.get("max_latency_ms")
    if threshold is not None and latency > float(threshold):
        message = _("Too slow: %(latency)s ms (limit %(limit)s ms).") % {"latency": round(latency), "limit": threshold}
        return Outcome(False, message, latency, details)
    return Outcome(
        True,
        _("Status %(status)s in %(latency)s ms.") % {"status": response.status_code, "latency": round(latency)},
        latency,
        details,
    )
