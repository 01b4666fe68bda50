"""The load client: keep-alive HTTP/1.1 connections (``http.client``), one per thread.

Each request records the client-observed latency, the server time from the bench
middleware's ``Server-Timing`` header and the SQL query count from ``X-Bench-Queries``.
Every loop is bounded by a request count and a deadline.
"""

from __future__ import annotations

import http.client
import itertools
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

_DURATION = re.compile(r"dur=([0-9.]+)")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class Sample:
    status: int
    latency_ms: float
    server_ms: float | None
    queries: int | None
    at: float


class Client:
    def __init__(self, host: str, port: int, timeout: float = 60) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def send(self, request: Request) -> tuple[Sample, bytes]:
        for attempt in (1, 2):
            conn = self._connection()
            started = time.perf_counter()
            try:
                conn.request(request.method, request.path, body=request.body, headers=request.headers)
                response = conn.getresponse()
                body = response.read()
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    return Sample(0, (time.perf_counter() - started) * 1000, None, None, time.monotonic()), b""
                continue
            latency = (time.perf_counter() - started) * 1000
            timing = _DURATION.search(response.getheader("Server-Timing") or "")
            queries = response.getheader("X-Bench-Queries")
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return (
                Sample(
                    response.status,
                    latency,
                    float(timing.group(1)) if timing else None,
                    int(queries) if queries is not None else None,
                    time.monotonic(),
                ),
                body,
            )
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run(
    host: str,
    port: int,
    make_request: Callable[[int], Request],
    *,
    concurrency: int,
    requests: int,
    seconds: float,
) -> tuple[list[Sample], float]:
    """Send up to ``requests`` requests (``make_request(i)``) from ``concurrency`` threads, for at
    most ``seconds``; return the samples and the elapsed wall time."""
    counter = itertools.count()
    lock = threading.Lock()
    samples: list[Sample] = []
    started = time.monotonic()
    deadline = started + seconds

    def loop() -> None:
        client = Client(host, port)
        local: list[Sample] = []
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = next(counter)
                if index >= requests:
                    break
                sample, _body = client.send(make_request(index))
                local.append(sample)
        finally:
            client.close()
            with lock:
                samples.extend(local)

    threads = [threading.Thread(target=loop, name=f"bench-client-{n}") for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return samples, time.monotonic() - started


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarize(samples: Sequence[Sample], elapsed: float, *, ok: Sequence[int] = (200,)) -> dict[str, Any]:
    good = [s for s in samples if s.status in ok]
    latencies = [s.latency_ms for s in good]
    server = [s.server_ms for s in good if s.server_ms is not None]
    queries = sorted({s.queries for s in good if s.queries is not None})
    statuses: dict[str, int] = {}
    for sample in samples:
        statuses[str(sample.status)] = statuses.get(str(sample.status), 0) + 1

    def stats(values: Sequence[float]) -> dict[str, float | None]:
        return {
            "p50": _round(percentile(values, 0.50)),
            "p95": _round(percentile(values, 0.95)),
            "p99": _round(percentile(values, 0.99)),
            "mean": _round(sum(values) / len(values)) if values else None,
            "max": _round(max(values)) if values else None,
        }

    return {
        "requests": len(samples),
        "ok": len(good),
        "statuses": statuses,
        "elapsed_s": round(elapsed, 2),
        "throughput_per_s": round(len(good) / elapsed, 1) if elapsed > 0 else None,
        "server_ms": stats(server),
        "client_ms": stats(latencies),
        "queries": {"min": queries[0], "max": queries[-1], "distinct": queries} if queries else None,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
