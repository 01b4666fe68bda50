"""Secrets at rest: the column holds ciphertext only, reads give the plain text back, old keys
keep working after a rotation, and the audit trail never holds a value."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from tests.conftest import World
from vigie.contracts import services
from vigie.contracts.models import Licence
from vigie.core import crypto
from vigie.core.models import AuditEntry

pytestmark = pytest.mark.django_db

SECRET = "XXXXX-PLAIN-TEXT-KEY-12345"


def raw_key(licence: Licence) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM contracts_licence WHERE id = %s", [licence.pk])
        return str(cursor.fetchone()[0])


def use_keys(settings: Any, current: str, old: list[str] | None = None) -> None:
    settings.VIGIE = dataclasses.replace(settings.VIGIE, encryption_key=current, encryption_old_keys=old or [])


def licence_with_key(world: World, key: str = SECRET) -> Licence:
    return services.create_licence(by=world.admin, organization=world.client_a, software="Office", seats_purchased=5, key=key)


def test_the_column_holds_no_plain_text(world: World, settings: Any) -> None:
    use_keys(settings, Fernet.generate_key().decode())
    licence = licence_with_key(world)
    stored = raw_key(licence)
    assert SECRET not in stored and stored.startswith("gAAAAA")
    assert Licence.objects.get(pk=licence.pk).key == SECRET
    # Two encryptions of the same text differ (random IV): equal secrets cannot be spotted.
    assert raw_key(licence_with_key(world)) != stored


def test_audit_trail_says_changed_never_the_value(world: World) -> None:
    licence = licence_with_key(world)
    services.update_licence(licence, by=world.admin, key="NEW-SECRET-999")
    services.update_licence(licence, by=world.admin, notes="rien")
    entries = AuditEntry.objects.filter(model="contracts.licence", object_id=str(licence.pk)).order_by("pk")
    text = str(list(entries.values_list("changes", flat=True)))
    assert SECRET not in text and "NEW-SECRET-999" not in text and "gAAAAA" not in text
    created, changed, noted = entries
    assert created.changes["key"] == [None, "***"]
    assert changed.changes == {"key": ["***", "***"]}
    assert "key" not in noted.changes  # an untouched key is not reported as changed


def test_rotation_with_old_keys(world: World, settings: Any) -> None:
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    use_keys(settings, first)
    licence = licence_with_key(world)
    before = raw_key(licence)
    # A new key alone cannot read what the first one encrypted…
    use_keys(settings, second)
    with pytest.raises(crypto.DecryptionError):
        Licence.objects.get(pk=licence.pk)
    # …with the first listed as an old key it can, and rotation re-encrypts with the new one.
    use_keys(settings, second, [first])
    assert Licence.objects.get(pk=licence.pk).key == SECRET
    call_command("rotate_secrets", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = raw_key(licence)
    assert after != before
    use_keys(settings, second)
    assert Licence.objects.get(pk=licence.pk).key == SECRET
    assert Fernet(second.encode()).decrypt(after.encode()).decode() == SECRET


def test_passphrase_keys_are_derived_and_the_secret_key_stays_readable(world: World, settings: Any) -> None:
    assert crypto.fernet_key("a passphrase, not a Fernet key") == crypto.fernet_key("a passphrase, not a Fernet key")
    Fernet(crypto.fernet_key("short"))  # a valid Fernet key
    # Before VIGIE_ENCRYPTION_KEY was set, secrets were encrypted with the secret key.
    use_keys(settings, settings.SECRET_KEY)
    licence = licence_with_key(world)
    use_keys(settings, Fernet.generate_key().decode())
    assert Licence.objects.get(pk=licence.pk).key == SECRET


def test_config_reads_old_keys_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from vigie.core import config

    keys = tmp_path / "old-keys"
    keys.write_text("k1\nk2, k3\n", encoding="utf-8")
    monkeypatch.setenv("VIGIE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VIGIE_ENCRYPTION_OLD_KEYS_FILE", str(keys))
    monkeypatch.delenv("VIGIE_ENCRYPTION_KEY", raising=False)
    loaded = config.load(tmp_path)
    assert loaded.encryption_old_keys == ["k1", "k2", "k3"]
    assert loaded.encryption_key_derived and loaded.encryption_key == loaded.secret_key
    monkeypatch.setenv("VIGIE_ENCRYPTION_KEY", "set")
    assert not config.load(tmp_path).encryption_key_derived
