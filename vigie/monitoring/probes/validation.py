"""Validation of a probe check's target and kind-specific options."""

from __future__ import annotations

from typing import Any


def validate_probe(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Clean target, port and options for a probe of ``kind``; raises ValidationError naming the field."""
    return fields
