"""The supervision system user: the author of the incidents and notes that alerts write.

Service-desk writes need an acting user. Supervision acts as one dedicated account,
``monitoring@vigie.invalid``: an administrator membership of the provider (so it may open and
work tickets for every client the provider serves), no usable password (nobody logs in with it;
the ``.invalid`` domain receives no password-reset mail), never created by hand.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from vigie.accounts.models import SYSTEM_ACCOUNT_DOMAIN, User
from vigie.tenancy.access import forget_access
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role

SUPERVISION_EMAIL = "monitoring" + SYSTEM_ACCOUNT_DOMAIN


class NoProvider(Exception):
    """The installation has no provider organisation to act for."""


def is_supervision_user(user: object) -> bool:
    return getattr(user, "email", None) == SUPERVISION_EMAIL


def _provider_for(organization: Organization) -> Organization:
    if organization.kind == OrganizationKind.PROVIDER:
        return organization
    provider = Organization.objects.providers().order_by("pk").first()
    if provider is None:
        raise NoProvider(_("No provider organisation exists."))
    return provider


def supervision_user(organization: Organization) -> User:
    """The system user that acts for supervision on ``organization``'s tickets."""
    provider = _provider_for(organization)
    user = User.objects.filter(email=SUPERVISION_EMAIL).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(email=SUPERVISION_EMAIL, first_name=_("Supervision"), is_active=True)
                user.set_unusable_password()
                user.save()
        except IntegrityError:  # created concurrently
            user = User.objects.get(email=SUPERVISION_EMAIL)
    if user.has_usable_password() or user.is_staff or user.is_superuser:
        # Someone gave it a password or admin-site rights: take them back.
        user.set_unusable_password()
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["password", "is_staff", "is_superuser"])
    if not Membership.objects.filter(user=user, organization=provider, role=Role.ADMIN).exists():
        Membership.objects.update_or_create(user=user, organization=provider, defaults={"role": Role.ADMIN})
        forget_access(user)
    return user
