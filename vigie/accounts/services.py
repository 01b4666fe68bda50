"""Writes on accounts: users and their membership, the user's own profile, personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from vigie.accounts.models import ApiToken, User, hash_token
from vigie.core.audit import acting_as
from vigie.tenancy.access import forget_access
from vigie.tenancy.models import Membership, Organization, Site

PROFILE_FIELDS = ("first_name", "last_name", "phone", "job_title", "language", "time_zone")


def create_member(
    *,
    by: User,
    organization: Organization,
    role: str,
    site: Site | None = None,
    password: str | None = None,
    **fields: Any,
) -> User:
    """Create a user with their membership of ``organization``; without a password the user
    sets one with the reset link."""
    with transaction.atomic(), acting_as(by):
        user = User.objects.create_user(password=password or None, **fields)
        Membership.objects.create(user=user, organization=organization, role=role, site=site)
    forget_access(user)
    return user


def update_user(user: User, *, by: User, **changes: Any) -> User:
    """Change the fields of a user (an administrator's edit, not the user's own profile)."""
    with transaction.atomic(), acting_as(by):
        for name, value in changes.items():
            setattr(user, name, value)
        user.save()
    forget_access(user)  # ``is_active`` decides what the user may see
    return user


@transaction.atomic
def update_profile(
    user: User,
    *,
    by: User,
    first_name: str,
    last_name: str,
    phone: str,
    job_title: str,
    language: str,
    time_zone: str,
) -> User:
    """Save the settings a user chooses for themselves (name, phone, language, time zone)."""
    values = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "phone": phone.strip(),
        "job_title": job_title.strip(),
        "language": language,
        "time_zone": time_zone,
    }
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    if changed:
        for name in changed:
            setattr(user, name, values[name])
        with acting_as(by):
            user.save(update_fields=changed)
    return user


@transaction.atomic
def issue_api_token(user: User, *, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with its clear value, which is never stored."""
    raw = ApiToken.generate()
    with acting_as(user):
        token = ApiToken.objects.create(user=user, name=name, token_hash=hash_token(raw), hint=raw[:8], expires_at=expires_at)
    return token, raw


@transaction.atomic
def revoke_api_token(token: ApiToken, *, by: User) -> ApiToken:
    if token.revoked_at is None:
        with acting_as(by):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at", "updated_at"])
    return token


def authenticate_api_token(raw: str) -> ApiToken | None:
    token = ApiToken.objects.usable().select_related("user").filter(token_hash=hash_token(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    # Record use at most once a minute to keep the hot path free of writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
