"""Secrets at rest: Fernet encryption (AES-128-CBC + HMAC-SHA256) of the values that must not be
readable in the database, in a backup or in the audit trail (licence keys, later passwords of
monitored devices…).

Keys come from the configuration (``vigie.core.config``):

- ``VIGIE_ENCRYPTION_KEY`` (or ``_FILE``) encrypts every new value. A Fernet key (44 characters of
  URL-safe base64, ``Fernet.generate_key()``) is used as it is; any other text is a passphrase the
  key is derived from (HKDF-SHA256).
- ``VIGIE_ENCRYPTION_OLD_KEYS`` (or ``_FILE``): keys used before a rotation, still accepted for
  reading. ``vigie rotate_secrets`` re-encrypts every stored value with the current key, after
  which the old keys can be dropped.
- Without ``VIGIE_ENCRYPTION_KEY`` the key is derived from the secret key, and ``check --deploy``
  warns: changing the secret key would then make the stored secrets unreadable. The key derived
  from the secret key is always accepted for reading, so setting a real key later loses nothing.

``EncryptedTextField`` stores the ciphertext and hands back the plain text on read. The audit
trail records that such a field changed, never a value (``vigie.core.signals``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _


class DecryptionError(ValueError):
    """A stored secret could not be decrypted with any configured key."""


def fernet_key(value: str) -> bytes:
    """A Fernet key given as is, or derived from a passphrase."""
    raw = value.strip().encode("utf-8")
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32 and len(raw) == 44:
            return raw
    except (binascii.Error, ValueError):
        pass
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"vigie", info=b"vigie encryption key").derive(raw)
    return base64.urlsafe_b64encode(derived)


def configured_keys() -> list[bytes]:
    """The current key first, then the old ones, then the key derived from the secret key."""
    vigie = settings.VIGIE
    values = [vigie.encryption_key, *vigie.encryption_old_keys, settings.SECRET_KEY]
    keys: list[bytes] = []
    for value in values:
        key = fernet_key(value)
        if key not in keys:
            keys.append(key)
    return keys


@lru_cache(maxsize=8)
def _multi(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _fernet() -> MultiFernet:
    return _multi(tuple(configured_keys()))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise DecryptionError(
            "A stored secret cannot be decrypted with the configured keys: "
            "add the key it was encrypted with to VIGIE_ENCRYPTION_OLD_KEYS."
        ) from error


def rotate_token(token: str) -> str:
    """The same secret encrypted with the current key."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise DecryptionError("A stored secret cannot be decrypted with the configured keys.") from error


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored encrypted; reads give the plain text back. Not searchable, not orderable."""

    description = _("Encrypted text")
    is_secret = True

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[str]]]:
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            yield model, names


def rotate_all(batch: int = 500) -> int:
    """Re-encrypt every stored secret with the current key; return how many values changed.

    Works on the raw column (no decryption into Python objects, no signals, no audit entry)."""
    changed = 0
    for model, names in encrypted_fields():
        table = model._meta.db_table
        columns = {f.attname: str(f.column) for f in model._meta.concrete_fields}
        for name in names:
            column = columns[name]
            manager = model._base_manager
            pks = list(manager.exclude(**{f"{name}__isnull": True}).values_list("pk", flat=True))
            for start in range(0, len(pks), batch):
                chunk = pks[start : start + batch]
                with transaction.atomic():
                    rows = _raw_values(model, table, column, chunk)
                    for pk, token in rows:
                        if not token:
                            continue
                        _raw_update(table, column, pk_column(model), pk, rotate_token(token))
                        changed += 1
    return changed


def pk_column(model: type[models.Model]) -> str:
    return str(model._meta.pk.column) if model._meta.pk is not None else "id"


def _raw_values(model: type[models.Model], table: str, column: str, pks: Sequence[Any]) -> list[tuple[Any, str]]:
    quote = connection.ops.quote_name
    key = pk_column(model)
    placeholders = ", ".join(["%s"] * len(pks))
    sql = f"SELECT {quote(key)}, {quote(column)} FROM {quote(table)} WHERE {quote(key)} IN ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, list(pks))
        return [(row[0], row[1]) for row in cursor.fetchall()]


def _raw_update(table: str, column: str, key: str, pk: Any, token: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(key)} = %s", [token, pk])  # noqa: S608


def register_checks() -> None:
    checks.register(check_encryption_key, checks.Tags.security, deploy=True)


def check_encryption_key(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings.VIGIE, "encryption_key_derived", False):
        return [
            checks.Warning(
                "VIGIE_ENCRYPTION_KEY is not set: secrets stored in the database are encrypted with a key "
                "derived from the secret key, so changing VIGIE_SECRET_KEY would make them unreadable.",
                hint="Set VIGIE_ENCRYPTION_KEY (or VIGIE_ENCRYPTION_KEY_FILE) to a key made with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`, "
                "then run `vigie rotate_secrets`.",
                id="vigie.W001",
            )
        ]
    return []
