"""What a probe is given (``ProbeJob``) and what it answers (``Outcome``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vigie.monitoring.probes.policy import AddressPolicy

MAX_MESSAGE = 500


@dataclass
class ProbeJob:
    """One claimed run of a check: what the engine read from the database at claim time."""

    check_id: int
    organization_id: int
    kind: str
    name: str
    target: str
    port: int | None
    options: dict[str, Any]
    timeout: float
    interval: int
    retries: int
    severity: str
    scheduled_at: datetime
    claim: str
    configuration_item_id: int | None = None
    service_id: int | None = None
    policy: AddressPolicy = field(default_factory=AddressPolicy)


@dataclass
class Outcome:
    ok: bool
    message: str = ""
    latency_ms: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # The severity of the alert this failure raises; None: the check's own severity.
    severity: str | None = None

    def __post_init__(self) -> None:
        self.message = self.message[:MAX_MESSAGE]


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)


def host_and_port(target: str, default_port: int | None) -> tuple[str, int | None]:
    """``example.com``, ``example.com:8443``, ``[2001:db8::1]:443`` or a bare IPv6 address."""
    target = target.strip()
    if target.startswith("["):
        host, _, rest = target[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return host, int(port) if port.isdigit() else default_port
    if target.count(":") == 1:
        host, _, port = target.partition(":")
        return host, int(port) if port.isdigit() else default_port
    return target, default_port
