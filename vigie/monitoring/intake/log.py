"""The intake log: refused deliveries with their reason, for the provider to diagnose a sender."""

from __future__ import annotations

from django.http import HttpRequest

from vigie.monitoring.models import IntakeLog, IntakeOutcome, IntakeSource

EXCERPT = 500


def log_refusal(
    request: HttpRequest,
    *,
    endpoint: str,
    status: int,
    reason: str,
    source: IntakeSource | None,
    body: bytes = b"",
    size: int = 0,
) -> None:
    """Keep a refused delivery. An unauthenticated one keeps no excerpt: its body is nobody's data."""
    address = request.META.get("REMOTE_ADDR") or None
    IntakeLog.objects.create(
        source=source,
        endpoint=endpoint[:32],
        outcome=IntakeOutcome.REJECTED,
        status_code=status,
        reason=reason[:500],
        remote_address=address,
        size=min(size or len(body), 2**31 - 1),
        excerpt=body[:EXCERPT].decode("utf-8", "replace") if source is not None else "",
    )
