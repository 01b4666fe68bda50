"""Helpers for the alert intake tests: sources, Alertmanager payloads, posting with a token."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from vigie.monitoring.models import IntakeSource
from vigie.monitoring.tokens import issue_source


def make_source(world: Any, kind: str, organization: Any = None, name: str = "Supervision") -> tuple[IntakeSource, str]:
    return issue_source(by=world.admin, organization=organization or world.client_a, kind=kind, name=name)


def am_alert(
    fingerprint: str,
    status: str = "firing",
    *,
    starts: str = "2025-03-01T10:00:00.123456789Z",
    ends: str = "0001-01-01T00:00:00Z",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "DiskFull", "instance": "srv-files:9100", "severity": "critical", **(labels or {})},
        "annotations": annotations if annotations is not None else {"summary": f"Disque plein {fingerprint}"},
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "http://prometheus:9090/graph?g0.expr=x",
        "fingerprint": fingerprint,
    }


def am_payload(*alerts: dict[str, Any], group_key: str = '{}:{alertname="DiskFull"}') -> dict[str, Any]:
    firing = any(alert["status"] == "firing" for alert in alerts)
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "vigie",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {"alertname": "DiskFull"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


def post(client: Client, url: str, payload: Any, token: str | None = None, **extra: Any) -> Any:
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(url, body, content_type="application/json", **headers, **extra)
