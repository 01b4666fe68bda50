"""Per-client tokens of intake sources (Alertmanager, Zabbix, GLPI Agent, generic webhooks, agent
enrolment): the clear token is shown once; only its SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.monitoring.models import IntakeSource
from vigie.tenancy.models import Organization

TOKEN_PREFIX = "vgi_"  # noqa: S105 - a visible prefix, not a secret


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_source(*, by: User | None, organization: Organization, kind: str, name: str) -> tuple[IntakeSource, str]:
    """Create a source and return it with its clear token (shown once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(), acting_as(by):
        source = IntakeSource.objects.create(
            organization=organization, kind=kind, name=name, token_hash=hash_token(token), token_hint=token[:8]
        )
    return source, token


def rotate_token(source: IntakeSource, *, by: User | None) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(), acting_as(by):
        source.token_hash = hash_token(token)
        source.token_hint = token[:8]
        source.save(update_fields=["token_hash", "token_hint", "updated_at"])
    return token


def source_for_token(token: str, kind: str) -> IntakeSource | None:
    """The active source of this kind whose token this is; None otherwise."""
    if not token or len(token) > 200:
        return None
    return (
        IntakeSource.objects.select_related("organization")
        .filter(token_hash=hash_token(token), kind=kind, is_active=True, organization__is_active=True)
        .first()
    )
