"""Creating administrators from the command line: Django's ``createsuperuser --noinput``
and Vigie's ``createadmin``."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import PASSWORD, World
from vigie.accounts.models import User
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role

ROOT = Path(__file__).resolve().parent.parent


def test_createsuperuser_noinput_reads_the_environment(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.test")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", verbosity=0)
    user = User.objects.get(email="root@example.test")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.check_password(PASSWORD)


def vigie(tmp_path: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run the ``vigie`` console command on a fresh embedded installation in ``tmp_path``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIGIE_", "DJANGO_"))}
    env.update({"VIGIE_DATA_DIR": str(tmp_path), **variables})
    return subprocess.run(
        [sys.executable, "-m", "vigie.cli", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_vigie_createsuperuser_noinput_on_a_fresh_installation(tmp_path: Path) -> None:
    assert vigie(tmp_path, "migrate", "--noinput", "-v", "0").returncode == 0
    result = vigie(
        tmp_path,
        "createsuperuser",
        "--noinput",
        DJANGO_SUPERUSER_EMAIL="root@example.test",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "vigie.sqlite3") as database:
        rows = database.execute("SELECT email, is_superuser, is_staff, password FROM accounts_user").fetchall()
    assert [(email, superuser, staff) for email, superuser, staff, _hash in rows] == [("root@example.test", 1, 1)]
    assert rows[0][3].startswith("pbkdf2_sha256$")


def test_createsuperuser_noinput_with_the_email_option(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    call_command("createsuperuser", "--noinput", "--email", "ops@example.test", stdout=StringIO())
    user = User.objects.get(email="ops@example.test")
    assert user.is_superuser
    assert not user.has_usable_password()  # no password given: set one later with changepassword


def test_createadmin_on_an_empty_installation_creates_the_provider(db: None) -> None:
    out = StringIO()
    call_command("createadmin", "Alice@Infogerance.test", "--password", PASSWORD, "--provider", "Infogérance Durand", stdout=out)
    provider = Organization.objects.get()
    assert provider.kind == OrganizationKind.PROVIDER
    assert provider.name == "Infogérance Durand"
    assert provider.slug == "infogerance-durand"
    user = User.objects.get(email="alice@infogerance.test")
    assert user.check_password(PASSWORD)
    assert not user.is_staff and not user.is_superuser
    assert Membership.objects.get(user=user).role == Role.ADMIN
    assert "alice@infogerance.test" in out.getvalue()


def test_createadmin_uses_the_existing_provider_and_can_grant_the_admin_site(world: World) -> None:
    call_command("createadmin", "chef@durand.test", "--password", PASSWORD, "--superuser", stdout=StringIO())
    user = User.objects.get(email="chef@durand.test")
    assert user.is_staff and user.is_superuser
    assert list(user.memberships.values_list("organization_id", "role")) == [(world.provider.pk, Role.ADMIN)]
    assert Organization.objects.providers().count() == 1


def test_createadmin_promotes_an_existing_technician(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_ADMIN_PASSWORD", "a fresh admin passphrase")
    call_command("createadmin", world.tech_a.email.upper(), stdout=StringIO())
    world.tech_a.refresh_from_db()
    assert world.tech_a.check_password("a fresh admin passphrase")
    assert Membership.objects.get(user=world.tech_a, organization=world.provider).role == Role.ADMIN
    assert User.objects.filter(email__iexact=world.tech_a.email).count() == 1


def test_createadmin_refuses_a_bad_address(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("createadmin", "not-an-address", "--password", PASSWORD, stdout=StringIO())
    assert not User.objects.exists()
    assert not Organization.objects.exists()


@pytest.mark.parametrize("password", ["short", "password123", "12345678901234"])
def test_createadmin_refuses_a_weak_password(db: None, password: str) -> None:
    with pytest.raises(CommandError):
        call_command("createadmin", "alice@durand.test", "--password", password, stdout=StringIO())
    assert not User.objects.exists()
    assert not Organization.objects.exists()


def test_createadmin_finds_a_free_short_name_for_the_provider(db: None) -> None:
    Organization.objects.create(name="Client nommé Provider", slug="provider")
    call_command("createadmin", "alice@durand.test", "--password", PASSWORD, stdout=StringIO())
    provider = Organization.objects.providers().get()
    assert provider.slug == "provider-2"


def test_a_command_error_exits_non_zero_from_the_console(tmp_path: Path) -> None:
    result = vigie(tmp_path, "createadmin", "not-an-address", "--password", PASSWORD, VIGIE_LANGUAGE="en")
    assert result.returncode == 1
    assert "Invalid e-mail address: not-an-address" in result.stderr
