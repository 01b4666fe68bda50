"""``vigie createadmin EMAIL``: create (or promote) an administrator of the provider organisation."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role


def _free_slug(name: str) -> str:
    base = slugify(name)[:50] or "provider"
    slug, number = base, 1
    while Organization.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


class Command(BaseCommand):
    help = "Create an administrator of the provider organisation (created too if there is none)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--provider", default="", help="Name of the provider organisation to create if none exists.")
        parser.add_argument("--password", default="", help="Password (default: $VIGIE_ADMIN_PASSWORD, or asked).")
        parser.add_argument("--superuser", action="store_true", help="Also give access to the Django admin site.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(_("Invalid e-mail address: %(email)s") % {"email": email}) from error
        password = options["password"] or os.environ.get("VIGIE_ADMIN_PASSWORD", "")
        if not password:
            password = getpass.getpass(_("Password: "))
        existing = User.objects.filter(email__iexact=email).first()
        try:
            validate_password(password, existing or User(email=email))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with transaction.atomic():
            provider = Organization.objects.providers().order_by("pk").first()
            if provider is None:
                name = options["provider"] or "Provider"
                provider = Organization.objects.create(kind=OrganizationKind.PROVIDER, name=name, slug=_free_slug(name))
            user = existing or User(email=email)
            created = existing is None
            user.set_password(password)
            user.is_active = True
            user.is_staff = user.is_staff or options["superuser"]
            user.is_superuser = user.is_superuser or options["superuser"]
            user.save()
            Membership.objects.update_or_create(user=user, organization=provider, defaults={"role": Role.ADMIN})
        message = (
            _("Created administrator %(email)s of %(provider)s.")
            if created
            else _("Updated administrator %(email)s of %(provider)s.")
        )
        self.stdout.write(self.style.SUCCESS(message % {"email": email, "provider": provider.name}))
