"""Supervision data for the UI and API tests: checks made through the services, history and
alerts written as the probes, heartbeats and intake would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from vigie.monitoring import checks as services
from vigie.monitoring.alerting.signals import Signal, record_signal
from vigie.monitoring.models import Alert, Check, Ping, PingKind, ProbeResult
from vigie.tenancy.models import Organization


def make_check(world: Any, organization: Organization, kind: str, name: str, **fields: Any) -> Check:
    # A target each kind of probe accepts (its own validation refuses the others).
    targets = {"http": "https://www.example.test/", "tcp": "www.example.test", "icmp": "www.example.test"}
    if kind != "heartbeat":
        fields.setdefault("target", targets.get(kind, "www.example.test"))
    if kind == "tcp":
        fields.setdefault("port", 443)
    return services.create_check(by=world.admin, organization=organization, kind=kind, name=name, **fields)


def set_state(check: Check, status: str, **fields: Any) -> Check:
    Check.objects.filter(pk=check.pk).update(status=status, **fields)
    check.refresh_from_db()
    return check


def add_results(check: Check, now: datetime, count: int, *, every: timedelta, latency: float = 100.0, failing: int = 0) -> None:
    """``count`` results going back from ``now``; the ``failing`` newest ones failed."""
    ProbeResult.objects.bulk_create(
        ProbeResult(
            probe_check=check,
            at=now - every * index - timedelta(seconds=1),
            ok=index >= failing,
            latency_ms=latency + index % 7,
            message="" if index >= failing else "HTTP 503",
            probe_name="probe-1",
        )
        for index in range(count)
    )


def add_pings(check: Check, now: datetime, count: int, *, every: timedelta, body: str = "", failing: int = 0) -> None:
    Ping.objects.bulk_create(
        Ping(
            heartbeat=check,
            at=now - every * index - timedelta(seconds=1),
            kind=PingKind.FAIL if index < failing else PingKind.SUCCESS,
            method="POST",
            remote_address="192.0.2.10",
            user_agent="curl/8.5.0",
            body=body,
            duration_seconds=600.0 + index,
        )
        for index in range(count)
    )


def fire(organization: Organization, key: str, summary: str, at: datetime, *, severity: str = "critical", **extra: Any) -> Alert:
    alert = record_signal(
        Signal(
            organization.pk,
            key,
            True,
            at,
            source_kind=extra.pop("source_kind", "check"),
            summary=summary,
            severity=severity,
            **extra,
        )
    )
    assert alert is not None
    return alert
