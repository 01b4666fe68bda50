"""Helpers shared by the payload readers: refusals with a reason, timestamps, severities, text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from vigie.monitoring.models import AlertSeverity

# What the sender called its severity, lower-cased → ours. Anything else is a warning.
SEVERITY_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        (
            "critical",
            "crit",
            "disaster",
            "high",
            "emergency",
            "emerg",
            "fatal",
            "error",
            "err",
            "page",
            "major",
            "severe",
            "alert",
            "p1",
        ),
        AlertSeverity.CRITICAL,
    ),
    **dict.fromkeys(("warning", "warn", "average", "medium", "minor", "p2", "p3"), AlertSeverity.WARNING),
    **dict.fromkeys(
        ("info", "information", "informational", "low", "notice", "none", "not classified", "ok", "debug", "p4", "p5"),
        AlertSeverity.INFO,
    ),
}
DEFAULT_SEVERITY = AlertSeverity.WARNING

_FRACTION = re.compile(r"(\.\d{1,6})\d*")
_ZERO_YEAR = 1  # Go's zero time, "0001-01-01T00:00:00Z", means "not set".


class PayloadError(ValueError):
    """A delivery that cannot be applied; ``reason`` is shown to the sender and kept in the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def severity_of(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        return DEFAULT_SEVERITY
    return SEVERITY_SYNONYMS.get(value.strip().lower(), DEFAULT_SEVERITY)


def parse_time(value: Any, *, field: str) -> datetime | None:
    """An RFC 3339 timestamp (nanoseconds allowed) or a Unix time; None when empty or Go's zero time."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PayloadError(_("%(field)s is not a date and time.") % {"field": field})
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise PayloadError(_("%(field)s is not a date and time.") % {"field": field}) from error
    if not isinstance(value, str):
        raise PayloadError(_("%(field)s is not a date and time.") % {"field": field})
    text = _FRACTION.sub(r"\1", value.strip().replace("Z", "+00:00").replace("z", "+00:00"), count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise PayloadError(_("%(field)s is not a date and time: %(value)s.") % {"field": field, "value": value[:40]}) from error
    if parsed.year <= _ZERO_YEAR:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def text_of(value: Any, limit: int) -> str:
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value)).strip()[:limit]


def string_labels(value: Any, *, field: str, limit: int = 100) -> dict[str, str]:
    """A flat object of text values (numbers and booleans are turned into text)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(_("%(field)s must be an object of names and values.") % {"field": field})
    if len(value) > limit:
        raise PayloadError(_("%(field)s has more than %(limit)s entries.") % {"field": field, "limit": limit})
    labels: dict[str, str] = {}
    for name, item in value.items():
        if isinstance(item, dict | list):
            raise PayloadError(_("%(field)s.%(name)s must be a text value.") % {"field": field, "name": str(name)[:50]})
        labels[str(name)[:100]] = "" if item is None else str(item)[:500]
    return labels


class Draft:
    """One alert of a delivery, before its CI and service are looked up."""

    __slots__ = ("at", "ci_names", "dedup_key", "description", "firing", "labels", "service_ref", "severity", "summary")

    def __init__(
        self,
        *,
        dedup_key: str,
        firing: bool,
        at: datetime | None,
        summary: str,
        severity: str,
        description: str = "",
        labels: dict[str, Any] | None = None,
        ci_names: tuple[str, ...] = (),
        service_ref: str = "",
    ) -> None:
        self.dedup_key = dedup_key
        self.firing = firing
        self.at = at
        self.summary = summary
        self.severity = severity
        self.description = description
        self.labels = labels or {}
        self.ci_names = ci_names
        self.service_ref = service_ref


def host_names(*values: Any) -> tuple[str, ...]:
    """Names a CI may be known by, from host-like values: ``web1.example.org:9100`` gives
    ``web1.example.org`` and ``web1``; ``https://shop.example.org/x`` gives ``shop.example.org``."""
    names: list[str] = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            continue
        name = value.strip()
        if "://" in name:
            name = name.split("://", 1)[1].split("/", 1)[0]
        name = name.split("/", 1)[0].rsplit("@", 1)[-1]
        if name.startswith("["):
            name = name[1:].split("]", 1)[0]
        elif name.count(":") == 1:
            name = name.split(":", 1)[0]
        for candidate in (value.strip(), name, name.split(".", 1)[0] if not name.replace(".", "").isdigit() else name):
            candidate = candidate[:200].lower()
            if candidate and candidate not in names:
                names.append(candidate)
    return tuple(names)
