"""Bench-only instrumentation: server time and SQL query count of each request, in headers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

TIMING_HEADER = "Server-Timing"
QUERIES_HEADER = "X-Bench-Queries"


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class BenchInstrumentationMiddleware:
    """Outermost middleware: times the whole Django stack and counts the queries it runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = _QueryCounter()
        started = time.perf_counter()
        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)
            if getattr(response, "is_rendered", True) is False:
                response.render()  # type: ignore[attr-defined]
        elapsed_ms = (time.perf_counter() - started) * 1000
        response[TIMING_HEADER] = f"app;dur={elapsed_ms:.2f}"
        response[QUERIES_HEADER] = str(counter.count)
        return response
