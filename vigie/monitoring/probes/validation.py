"""Validation of a probe check's target and kind-specific options.

``validate_probe`` sees the fields being set (all of them on creation, some on a change) and
raises a ``ValidationError`` naming the field. Options are a JSON object whose keys depend on
the kind (see docs/monitoring/probes.md); unknown keys are refused, so a typo is not silently
ignored.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vigie.monitoring.probes.base import host_and_port
from vigie.monitoring.probes.dns import RECORD_TYPES

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*\.?$", re.I)
MIN_INTERVAL, MAX_INTERVAL = 1, 7 * 86400
MAX_TIMEOUT = 60.0
MAX_RETRIES = 10


def _is_host(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]"))
        return True
    except ValueError:
        return bool(HOSTNAME.match(value))


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("Expected true or false."))
    return value


def _text(limit: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or len(value) > limit:
            raise ValueError(_("Expected a text of at most %(limit)s characters.") % {"limit": limit})
        return value

    return check


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(_("Expected a whole number from %(low)s to %(high)s.") % {"low": low, "high": high})
        return value

    return check


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(_("Expected a number greater than zero."))
    return float(value)


def _status_codes(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]  # one expected code, as the staff form sends it
    if not isinstance(value, list) or not value or len(value) > 50:
        raise ValueError(_("Expected a list of HTTP status codes."))
    return [_integer(100, 599)(code) for code in value]


def _record_type(value: Any) -> str:
    if not isinstance(value, str) or value.upper() not in RECORD_TYPES:
        raise ValueError(_("Expected one of %(types)s.") % {"types": ", ".join(RECORD_TYPES)})
    return value.upper()


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > 50 or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(_("Expected a list of texts."))
    return [item.strip() for item in value]


def _nameserver(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(_("Expected an IP address, optionally with a port."))
    host, port = host_and_port(value, 53)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(_("Expected an IP address, optionally with a port.")) from None
    if port is None or not 1 <= port <= 65535:
        raise ValueError(_("Expected an IP address, optionally with a port."))
    return value.strip()


def _method(value: Any) -> str:
    if not isinstance(value, str) or value.upper() not in ("GET", "HEAD"):
        raise ValueError(_("Expected GET or HEAD."))
    return value.upper()


OPTIONS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "http": {
        "expected_status": _status_codes,
        "keyword": _text(200),
        "keyword_absent": _text(200),
        "max_latency_ms": _positive_number,
        "follow_redirects": _boolean,
        "max_redirects": _integer(0, 20),
        "verify_tls": _boolean,
        "method": _method,
    },
    "tcp": {},
    "icmp": {"count": _integer(1, 10), "max_loss_percent": _integer(0, 100)},
    "tls": {"warning_days": _integer(0, 365), "server_name": _text(253)},
    "dns": {"record_type": _record_type, "expected": _texts, "nameserver": _nameserver},
    "domain": {"warning_days": _integer(0, 365)},
}


def _clean_options(kind: str, options: Any) -> dict[str, Any]:
    if options in (None, ""):
        return {}
    if not isinstance(options, dict):
        raise ValidationError({"options": _("Options must be a JSON object.")})
    allowed = OPTIONS[kind]
    cleaned: dict[str, Any] = {}
    errors: list[str] = []
    for key, value in options.items():
        if key not in allowed:
            errors.append(
                _("Unknown option “%(key)s” (allowed: %(allowed)s).")
                % {"key": key, "allowed": ", ".join(sorted(allowed)) or _("none")}
            )
            continue
        try:
            cleaned[key] = allowed[key](value)
        except ValueError as error:
            errors.append(_("Option “%(key)s”: %(error)s") % {"key": key, "error": error})
    if errors:
        raise ValidationError({"options": errors})
    return cleaned


def _clean_target(kind: str, value: Any) -> str:
    target = str(value or "").strip()
    if not target:
        raise ValidationError({"target": _("A target is required.")})
    if kind == "http":
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https"):
            raise ValidationError({"target": _("The address must start with http:// or https://.")})
        try:
            port = parts.port
        except ValueError:
            raise ValidationError({"target": _("The port must be a number from 1 to 65535.")}) from None
        if not parts.hostname or not _is_host(parts.hostname) or (port is not None and not 1 <= port <= 65535):
            raise ValidationError({"target": _("Enter a valid web address.")})
        return target
    if kind in ("dns", "domain"):
        name = target.rstrip(".")
        if not HOSTNAME.match(name) or "." not in name:
            raise ValidationError({"target": _("Enter a domain name, such as example.com.")})
        return name.lower()
    host, port = host_and_port(target, None)
    if not _is_host(host):
        raise ValidationError({"target": _("Enter a host name or an IP address.")})
    if kind == "icmp" and port is not None:
        raise ValidationError({"target": _("A ping target has no port.")})
    if port is not None and not 1 <= port <= 65535:
        raise ValidationError({"target": _("The port must be a number from 1 to 65535.")})
    return target


def validate_probe(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Clean target, port and options for a probe of ``kind``; raises ValidationError naming the field."""
    if kind not in OPTIONS:
        raise ValidationError({"kind": _("Unknown kind of check.")})
    cleaned = dict(fields)
    if "target" in cleaned:
        cleaned["target"] = _clean_target(kind, cleaned["target"])
    if "options" in cleaned:
        cleaned["options"] = _clean_options(kind, cleaned["options"])
    if "port" in cleaned:
        port = cleaned["port"]
        if port in (None, ""):
            cleaned["port"] = None
            if kind == "tcp" and host_and_port(str(cleaned.get("target", "")), None)[1] is None:
                raise ValidationError({"port": _("A TCP check needs a port.")})
        else:
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
                raise ValidationError({"port": _("The port must be a number from 1 to 65535.")})
            if kind in ("http", "icmp", "dns", "domain"):
                raise ValidationError({"port": _("This kind of check has no separate port.")})
    if "interval_seconds" in cleaned:
        interval = cleaned["interval_seconds"]
        if isinstance(interval, bool) or not isinstance(interval, int) or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
            raise ValidationError(
                {
                    "interval_seconds": _("The interval must be from %(low)s to %(high)s seconds.")
                    % {"low": MIN_INTERVAL, "high": MAX_INTERVAL}
                }
            )
    if "timeout_seconds" in cleaned:
        timeout = cleaned["timeout_seconds"]
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= MAX_TIMEOUT:
            raise ValidationError(
                {"timeout_seconds": _("The time limit must be more than 0 and at most %(limit)s seconds.") % {"limit": 60}}
            )
        cleaned["timeout_seconds"] = float(timeout)
    if "retries" in cleaned:
        retries = cleaned["retries"]
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= MAX_RETRIES:
            raise ValidationError({"retries": _("Retries must be from 0 to %(limit)s.") % {"limit": MAX_RETRIES}})
    return cleaned
