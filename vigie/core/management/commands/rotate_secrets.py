"""``vigie rotate_secrets``: re-encrypt every stored secret with the current encryption key.

Run it after putting the new key in ``VIGIE_ENCRYPTION_KEY`` and the previous one in
``VIGIE_ENCRYPTION_OLD_KEYS``; once it has finished, the old key can be removed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vigie.core import crypto


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the current VIGIE_ENCRYPTION_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            changed = crypto.rotate_all()
        except crypto.DecryptionError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{changed} secret(s) re-encrypted with the current key.")
