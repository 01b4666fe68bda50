"""Typed parsing of the ``VIGIE_*`` environment variables.

This is the only module that reads the process environment for configuration.
Every variable is documented in ``docs/configuration.md``; a secret can be given
as ``VIGIE_<NAME>_FILE`` pointing at a file holding its value.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

PREFIX = "VIGIE_"


def read(name: str, default: str | None = None) -> str | None:
    """Return ``VIGIE_<name>``, or the content of the file named by ``VIGIE_<name>_FILE``."""
    file_name = os.environ.get(f"{PREFIX}{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{PREFIX}{name}_FILE: cannot read {file_name}: {error}") from error
    value = os.environ.get(f"{PREFIX}{name}")
    return default if value is None or value == "" else value


def read_bool(name: str, default: bool) -> bool:
    value = read(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{PREFIX}{name} must be true or false, not {value!r}")


def read_int(name: str, default: int) -> int:
    value = read(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be a whole number, not {value!r}") from error


def _positive(name: str, default: int) -> int:
    value = read_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be at least 1, not {value}")
    return value


def read_list(name: str, default: list[str]) -> list[str]:
    value = read(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_database_url(url: str, base_dir: Path) -> dict[str, object]:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into Django settings."""
    parsed = urlparse(url)
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    if parsed.scheme == "sqlite":
        raw_path = unquote(parsed.path)
        # sqlite:///relative.db → "/relative.db" ; sqlite:////abs/path.db → "//abs/path.db"
        path = Path(raw_path[1:]) if raw_path.startswith("//") else base_dir / raw_path.lstrip("/")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "vigie",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": int(options.pop("conn_max_age", "60")),
            "CONN_HEALTH_CHECKS": True,
            # Form choices and exports iterate querysets; a server-side cursor costs three round
            # trips for a few dozen rows, and breaks behind a transaction-pooling PgBouncer.
            "DISABLE_SERVER_SIDE_CURSORS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"{PREFIX}DATABASE_URL: unsupported scheme {parsed.scheme!r}")


def _key_list(name: str) -> list[str]:
    """Keys separated by commas, spaces or new lines (a ``_FILE`` may hold one per line)."""
    value = read(name)
    if value is None:
        return []
    return [item for item in value.replace(",", " ").split() if item]


@dataclass(frozen=True)
class EmailConfig:
    host: str
    port: int
    user: str
    password: str
    use_tls: bool
    use_ssl: bool
    default_from: str
    imap_host: str
    imap_port: int
    imap_user: str
    imap_password: str
    imap_ssl: bool
    imap_folder: str


@dataclass(frozen=True)
class VigieConfig:
    base_dir: Path
    data_dir: Path
    debug: bool
    secret_key: str
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    database: dict[str, object]
    redis_url: str | None
    time_zone: str
    language: str
    site_url: str
    port: int
    email: EmailConfig
    max_attachment_bytes: int
    max_inbound_email_bytes: int
    encryption_key: str
    production: bool = field(default=False)
    # Keys that encrypted secrets before a rotation: still accepted for reading (see vigie.core.crypto).
    encryption_old_keys: list[str] = field(default_factory=list)
    # True when VIGIE_ENCRYPTION_KEY is unset and the key is derived from the secret key.
    encryption_key_derived: bool = field(default=False)
    # How long a satisfaction survey's link stays open after the ticket is resolved.
    satisfaction_days: int = field(default=14)
    # Largest alert delivery (Alertmanager, Zabbix, generic webhook) accepted, in bytes.
    max_alert_intake_bytes: int = field(default=1024 * 1024)
    # How many days raw 5-minute machine metrics are kept (hourly and daily rollups last longer).
    metrics_raw_days: int = field(default=8)
    # Heartbeats: how much of a ping's body is kept (bytes), and when a restore test is stale (days).
    ping_body_limit: int = field(default=100_000)
    restore_test_max_age_days: int = field(default=180)
    # Heartbeats on PostgreSQL: pings arriving together share one statement and one commit.
    ping_batches: bool = field(default=True)


def _secret_key(data_dir: Path) -> str:
    key = read("SECRET_KEY")
    if key:
        return key
    # Embedded installs keep a generated key in the data directory so that sessions
    # survive restarts without the operator having to invent one.
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


def load(base_dir: Path) -> VigieConfig:
    data_dir = Path(read("DATA_DIR") or base_dir / "var").resolve()
    for sub_directory in ("static", "media"):
        (data_dir / sub_directory).mkdir(parents=True, exist_ok=True)
    production = read_bool("PRODUCTION", False)
    debug = read_bool("DEBUG", False)
    secret_key = _secret_key(data_dir)
    site_url = (read("SITE_URL") or f"http://127.0.0.1:{read_int('PORT', 8000)}").rstrip("/")
    email = EmailConfig(
        host=read("EMAIL_HOST") or "localhost",
        port=read_int("EMAIL_PORT", 25),
        user=read("EMAIL_USER") or "",
        password=read("EMAIL_PASSWORD") or "",
        use_tls=read_bool("EMAIL_USE_TLS", False),
        use_ssl=read_bool("EMAIL_USE_SSL", False),
        default_from=read("EMAIL_FROM") or "Vigie <vigie@localhost>",
        imap_host=read("IMAP_HOST") or "",
        imap_port=read_int("IMAP_PORT", 993),
        imap_user=read("IMAP_USER") or "",
        imap_password=read("IMAP_PASSWORD") or "",
        imap_ssl=read_bool("IMAP_SSL", True),
        imap_folder=read("IMAP_FOLDER") or "INBOX",
    )
    return VigieConfig(
        base_dir=base_dir,
        data_dir=data_dir,
        debug=debug,
        secret_key=secret_key,
        allowed_hosts=read_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"]),
        csrf_trusted_origins=read_list("CSRF_TRUSTED_ORIGINS", []),
        database=parse_database_url(read("DATABASE_URL") or f"sqlite:///{data_dir}/vigie.sqlite3", base_dir),
        redis_url=read("REDIS_URL"),
        time_zone=read("TIME_ZONE") or "Europe/Paris",
        language=read("LANGUAGE") or "fr",
        site_url=site_url,
        port=read_int("PORT", 8000),
        email=email,
        max_attachment_bytes=read_int("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024),
        max_inbound_email_bytes=read_int("MAX_INBOUND_EMAIL_BYTES", 25 * 1024 * 1024),
        encryption_key=read("ENCRYPTION_KEY") or secret_key,
        encryption_old_keys=_key_list("ENCRYPTION_OLD_KEYS"),
        encryption_key_derived=not read("ENCRYPTION_KEY"),
        production=production,
        satisfaction_days=_positive("SATISFACTION_DAYS", 14),
        max_alert_intake_bytes=_positive("MAX_ALERT_INTAKE_BYTES", 1024 * 1024),
        metrics_raw_days=_positive("METRICS_RAW_DAYS", 8),
        ping_body_limit=_positive("PING_BODY_LIMIT", 100_000),
        restore_test_max_age_days=_positive("RESTORE_TEST_MAX_AGE_DAYS", 180),
        ping_batches=read_bool("PING_BATCHES", True),
    )
