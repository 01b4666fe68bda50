"""Settings come only from VIGIE_* variables, parsed in one typed module."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from vigie.core import config


def test_sqlite_urls_relative_and_absolute(tmp_path: Path):
    relative = config.parse_database_url("sqlite:///var/db.sqlite3", tmp_path)
    absolute = config.parse_database_url("sqlite:////srv/vigie/db.sqlite3", tmp_path)
    assert relative["NAME"] == str(tmp_path / "var" / "db.sqlite3")
    assert absolute["NAME"] == "/srv/vigie/db.sqlite3"
    assert "journal_mode=WAL" in str(relative["OPTIONS"])


def test_postgres_url_with_escaped_password_and_options(tmp_path: Path):
    parsed = config.parse_database_url("postgres://vigie:p%40ss%3Aword@db.local:5433/itsm?sslmode=require", tmp_path)
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    assert (parsed["USER"], parsed["PASSWORD"], parsed["HOST"], parsed["PORT"], parsed["NAME"]) == (
        "vigie",
        "p@ss:word",
        "db.local",
        "5433",
        "itsm",
    )
    assert parsed["OPTIONS"] == {"sslmode": "require"}


def test_unknown_database_scheme_is_refused(tmp_path: Path):
    with pytest.raises(ImproperlyConfigured, match="unsupported scheme"):
        config.parse_database_url("mysql://root@localhost/vigie", tmp_path)


def test_secret_read_from_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.setenv("VIGIE_EMAIL_PASSWORD_FILE", str(secret))
    monkeypatch.setenv("VIGIE_EMAIL_PASSWORD", "ignored-when-a-file-is-given")
    assert config.read("EMAIL_PASSWORD") == "s3cret"


def test_missing_secret_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("VIGIE_SECRET_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(ImproperlyConfigured, match="VIGIE_SECRET_KEY_FILE"):
        config.read("SECRET_KEY")


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_bad_boolean_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv("VIGIE_DEBUG", value)
    with pytest.raises(ImproperlyConfigured, match="VIGIE_DEBUG"):
        config.read_bool("DEBUG", False)


def test_bad_integer_names_the_variable(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VIGIE_PORT", "eighty")
    with pytest.raises(ImproperlyConfigured, match="VIGIE_PORT"):
        config.read_int("PORT", 8000)


def test_load_generates_and_keeps_a_secret_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("VIGIE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("VIGIE_SECRET_KEY", raising=False)
    monkeypatch.delenv("VIGIE_DATABASE_URL", raising=False)
    first = config.load(tmp_path)
    second = config.load(tmp_path)
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 50
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.database["NAME"] == str(tmp_path / "data" / "vigie.sqlite3")


def test_lists_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("VIGIE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VIGIE_ALLOWED_HOSTS", "desk.example.fr, , vigie.local")
    monkeypatch.setenv("VIGIE_SECRET_KEY", "x" * 60)
    loaded = config.load(tmp_path)
    assert loaded.allowed_hosts == ["desk.example.fr", "vigie.local"]
    assert loaded.time_zone == "Europe/Paris" and loaded.language == "fr"
