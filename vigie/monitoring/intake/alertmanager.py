"""Prometheus Alertmanager webhook payloads (version 4).

Every notification of a group carries all of its alerts, firing and resolved. One Vigie alert
exists per (client, fingerprint): the deduplication key is ``am:<fingerprint>``. A firing alert
is applied at its ``startsAt`` and a resolved one at its ``endsAt``; Alertmanager sends the same
alert again on every notification of its group (``group_interval``, ``repeat_interval``) and on
retries, and these re-sends change nothing (see :mod:`vigie.monitoring.intake.delivery`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils.translation import gettext as _

from vigie.monitoring.intake.parsing import (
    Draft,
    PayloadError,
    host_names,
    parse_time,
    severity_of,
    string_labels,
    text_of,
)

SUPPORTED_VERSION = "4"
MAX_ALERTS = 1000
# Labels naming the machine an alert is about, most specific first.
HOST_LABELS = ("vigie_ci", "host", "hostname", "nodename", "instance")
SERVICE_LABEL = "vigie_service"


def fingerprint_of(labels: dict[str, str]) -> str:
    """Alertmanager always sends a fingerprint; older senders may not: derive one from the labels."""
    text = "\x00".join(f"{name}\x01{value}" for name, value in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read(payload: Any) -> list[Draft]:
    if not isinstance(payload, dict):
        raise PayloadError(_("The payload must be a JSON object."))
    version = payload.get("version")
    if version is not None and str(version) != SUPPORTED_VERSION:
        raise PayloadError(
            _("Unsupported webhook payload version %(version)s; version %(supported)s is expected.")
            % {"version": str(version)[:10], "supported": SUPPORTED_VERSION}
        )
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError(_("The payload has no “alerts” list."))
    if len(alerts) > MAX_ALERTS:
        raise PayloadError(_("Too many alerts in one delivery: the limit is %(limit)s.") % {"limit": MAX_ALERTS})
    common = payload.get("commonAnnotations")
    common_annotations: dict[str, Any] = common if isinstance(common, dict) else {}
    return [_draft(index, alert, common_annotations) for index, alert in enumerate(alerts)]


def _draft(index: int, alert: Any, common_annotations: dict[str, Any]) -> Draft:
    where = f"alerts[{index}]"
    if not isinstance(alert, dict):
        raise PayloadError(_("%(field)s must be an object.") % {"field": where})
    status = alert.get("status")
    if status not in ("firing", "resolved"):
        raise PayloadError(_("%(field)s.status must be “firing” or “resolved”.") % {"field": where})
    labels = string_labels(alert.get("labels"), field=f"{where}.labels")
    annotations = string_labels(alert.get("annotations"), field=f"{where}.annotations")
    fingerprint = text_of(alert.get("fingerprint"), 64) or fingerprint_of(labels)
    firing = status == "firing"
    at = parse_time(alert.get("startsAt" if firing else "endsAt"), field=f"{where}.{'startsAt' if firing else 'endsAt'}")
    if at is None and not firing:
        at = parse_time(alert.get("startsAt"), field=f"{where}.startsAt")
    alertname = labels.get("alertname", "")
    summary = annotations.get("summary") or annotations.get("description") or common_annotations.get("summary") or ""
    if not summary:
        host = next((labels[name] for name in HOST_LABELS if labels.get(name)), "")
        summary = f"{alertname} — {host}" if alertname and host else alertname or fingerprint
    description_lines = [annotations["description"]] if annotations.get("description") else []
    description_lines += [
        f"{name}: {value}" for name, value in sorted(annotations.items()) if name not in ("summary", "description")
    ]
    if alert.get("generatorURL"):
        description_lines.append(f"generatorURL: {text_of(alert.get('generatorURL'), 1000)}")
    return Draft(
        dedup_key=f"am:{fingerprint}",
        firing=firing,
        at=at,
        summary=text_of(summary, 300),
        severity=severity_of(labels.get("severity")),
        description="\n".join(description_lines)[:5000],
        labels=labels,
        ci_names=host_names(*(labels.get(name) for name in HOST_LABELS)),
        service_ref=labels.get(SERVICE_LABEL, ""),
    )
