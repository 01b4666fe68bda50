"""Two-factor authentication policy: an organisation can make TOTP mandatory for its members."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator

from vigie.tenancy.models import Membership


def mfa_required_for(user: Any) -> bool:
    return Membership.objects.filter(user=user, organization__mfa_required=True, organization__is_active=True).exists()


def has_totp(user: Any) -> bool:
    return bool(Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists())


def mfa_setup_required(user: Any) -> bool:
    cached = getattr(user, "_vigie_mfa_setup_required", None)
    if cached is None:
        cached = mfa_required_for(user) and not has_totp(user)
        user._vigie_mfa_setup_required = cached
    return bool(cached)
