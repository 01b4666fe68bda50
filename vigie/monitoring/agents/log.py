"""Refused deliveries of the agent and GLPI Agent endpoints, kept in the intake log."""

from __future__ import annotations

from django.http import HttpRequest

from vigie.monitoring.models import IntakeLog, IntakeOutcome

EXCERPT = 500


def log_refusal(
    request: HttpRequest, *, endpoint: str, status: int, reason: str, source_id: int | None = None, body: bytes | None = None
) -> None:
    raw = request.body if body is None else body
    IntakeLog.objects.create(
        source_id=source_id,
        endpoint=endpoint[:32],
        outcome=IntakeOutcome.REJECTED,
        status_code=status,
        reason=reason[:500],
        remote_address=request.META.get("REMOTE_ADDR") or None,
        size=len(raw),
        # A compressed body holds NUL bytes, which PostgreSQL text refuses.
        excerpt=raw[:EXCERPT].decode("utf-8", "replace").replace("\x00", "\\0"),
    )
