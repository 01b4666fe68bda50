"""Each client's alert policy, created with its defaults the first time it is needed."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from vigie.monitoring.models import SEVERITY_RANK, AlertPolicy, AlertSeverity


def policy_for(organization_id: int) -> AlertPolicy:
    """The client's policy; a client that never changed it gets the defaults (stored once)."""
    policy = AlertPolicy.objects.filter(organization_id=organization_id).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            return AlertPolicy.objects.create(organization_id=organization_id)
    except IntegrityError:  # created concurrently
        return AlertPolicy.objects.get(organization_id=organization_id)


def severity_rank(severity: str) -> int:
    return SEVERITY_RANK.get(AlertSeverity(severity), 0) if severity in AlertSeverity.values else 0


def at_least(severity: str, minimum: str) -> bool:
    """``severity`` is ``minimum`` or worse."""
    return severity_rank(severity) >= severity_rank(minimum)
