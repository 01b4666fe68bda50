"""The intake tokens that let a mail server post raw messages: issue, revoke, check."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from vigie.notifications.models import InboundEmailToken, hash_intake_token


@transaction.atomic
def issue_intake_token(name: str) -> tuple[InboundEmailToken, str]:
    """Create a token; return it with its clear value, which is shown once and never stored."""
    raw = InboundEmailToken.generate()
    token = InboundEmailToken.objects.create(name=name[:100], token_hash=hash_intake_token(raw), hint=raw[:8])
    return token, raw


@transaction.atomic
def revoke_intake_token(token: InboundEmailToken) -> InboundEmailToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_intake_token(raw: str) -> InboundEmailToken | None:
    token = InboundEmailToken.objects.usable().filter(token_hash=hash_intake_token(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        InboundEmailToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
