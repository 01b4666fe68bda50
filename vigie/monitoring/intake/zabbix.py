"""Zabbix webhook media type deliveries (docs/monitoring/zabbix-media-type.js sends them).

One Vigie alert per Zabbix problem event: the deduplication key is ``zbx:<event id>`` (in a
recovery or update notification, ``{EVENT.ID}`` is still the problem's event id). A problem
fires the alert, an update (acknowledgement, comment, severity change) refreshes its severity
and description, a recovery resolves it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from vigie.monitoring.intake.parsing import Draft, PayloadError, host_names, parse_time, severity_of, text_of
from vigie.monitoring.models import AlertSeverity

# Zabbix severities by name and by number ({EVENT.NSEVERITY}, 0..5).
SEVERITY_NAMES = {
    "not classified": AlertSeverity.INFO,
    "information": AlertSeverity.INFO,
    "warning": AlertSeverity.WARNING,
    "average": AlertSeverity.WARNING,
    "high": AlertSeverity.CRITICAL,
    "disaster": AlertSeverity.CRITICAL,
}
SEVERITY_NUMBERS = ["not classified", "information", "warning", "average", "high", "disaster"]
MAX_TAGS = 100


def _unresolved(value: Any) -> bool:
    """A macro Zabbix could not expand arrives as its own name, e.g. ``{EVENT.UPDATE.TIMESTAMP}``."""
    return isinstance(value, str) and value.startswith("{") and value.endswith("}")


def _value(payload: dict[str, Any], name: str) -> Any:
    value = payload.get(name)
    return None if _unresolved(value) else value


def severity_from(payload: dict[str, Any]) -> str:
    number = _value(payload, "nseverity")
    if number is not None and str(number).strip().isdigit() and int(str(number).strip()) < len(SEVERITY_NUMBERS):
        return SEVERITY_NAMES[SEVERITY_NUMBERS[int(str(number).strip())]]
    name = text_of(_value(payload, "severity"), 40).lower()
    return SEVERITY_NAMES.get(name) or severity_of(name)


def _tags(value: Any) -> dict[str, str]:
    if value is None or value == "" or _unresolved(value):
        return {}
    if not isinstance(value, list):
        raise PayloadError(_("tags must be a list of {tag, value} objects."))
    if len(value) > MAX_TAGS:
        raise PayloadError(_("tags has more than %(limit)s entries.") % {"limit": MAX_TAGS})
    tags: dict[str, str] = {}
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("tag"), str):
            raise PayloadError(_("tags must be a list of {tag, value} objects."))
        tags[item["tag"][:100]] = text_of(item.get("value"), 500)
    return tags


def read(payload: Any) -> list[Draft]:
    if not isinstance(payload, dict):
        raise PayloadError(_("The payload must be a JSON object."))
    event_id = text_of(_value(payload, "event_id"), 40)
    if not event_id.isdigit():
        raise PayloadError(_("event_id must be the Zabbix event id ({EVENT.ID})."))
    event_value = text_of(_value(payload, "event_value"), 4)
    if event_value not in ("0", "1"):
        raise PayloadError(_("event_value must be 1 (problem) or 0 (recovery) ({EVENT.VALUE})."))
    is_update = text_of(_value(payload, "event_update"), 4) == "1"
    firing = event_value == "1"
    if not firing:
        at = parse_time(_value(payload, "recovery_time"), field="recovery_time")
    elif is_update:
        at = parse_time(_value(payload, "update_time"), field="update_time")
    else:
        at = parse_time(_value(payload, "event_time"), field="event_time")
    tags = _tags(payload.get("tags"))
    host = text_of(_value(payload, "host"), 200)
    host_name = text_of(_value(payload, "host_name"), 200)
    trigger = text_of(_value(payload, "trigger_name"), 300) or text_of(_value(payload, "event_name"), 300)
    severity_name = text_of(_value(payload, "severity"), 40)
    labels: dict[str, str] = {**tags, "zabbix_event_id": event_id}
    for name, value in (("host", host), ("host_name", host_name), ("zabbix_severity", severity_name)):
        if value:
            labels[name] = value
    lines = [text_of(_value(payload, "trigger_description"), 3000), text_of(_value(payload, "opdata"), 500)]
    if is_update:
        action = text_of(_value(payload, "update_action"), 300)
        message = text_of(_value(payload, "update_message"), 1000)
        user = text_of(_value(payload, "update_user"), 100)
        lines.append(" — ".join(part for part in (user, action, message) if part))
        labels["zabbix_last_update"] = action
    if _value(payload, "url"):
        lines.append(f"url: {text_of(_value(payload, 'url'), 1000)}")
    summary = trigger or _("Zabbix event %(id)s") % {"id": event_id}
    if host_name or host:
        summary = f"{summary} — {host_name or host}"
    return [
        Draft(
            dedup_key=f"zbx:{event_id}",
            firing=firing,
            at=at,
            summary=summary[:300],
            severity=severity_from(payload),
            description="\n".join(line for line in lines if line)[:5000],
            labels=labels,
            ci_names=host_names(tags.get("vigie_ci"), host, host_name),
            service_ref=tags.get("vigie_service", ""),
        )
    ]
