"""PostgreSQL helpers shared by the benches: a libpq connection string from a database URL, and
a database of a bench's own created when missing (never the ticket bench's)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse

TICKET_BENCH_DATABASE = "vigie_bench"


def conninfo_for(url: str, *, database: str | None = None) -> str:
    parsed = urlparse(url)
    parts = {
        "host": parsed.hostname or "127.0.0.1",
        "port": str(parsed.port or 5432),
        "user": parsed.username or "postgres",
        "dbname": database or parsed.path.lstrip("/"),
    }
    if parsed.password:
        parts["password"] = parsed.password
    return " ".join(f"{key}={value}" for key, value in parts.items())


def ensure_database(url: str, log: Callable[[str], None]) -> None:
    """Create the database of ``url`` if it does not exist; refuse the ticket bench's own."""
    import psycopg
    from psycopg import sql

    name = urlparse(url).path.lstrip("/")
    if name == TICKET_BENCH_DATABASE:
        raise SystemExit(f"refusing to use {TICKET_BENCH_DATABASE}: the ticket bench owns it")
    with psycopg.connect(conninfo_for(url, database="postgres"), autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            log(f"created database {name}")
