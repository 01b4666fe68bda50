"""Polling an IMAP mailbox: fetch the unseen messages, file each, mark it seen once committed.

A message is fetched with ``BODY.PEEK[]`` (which leaves it unseen) and flagged
``\\Seen`` only after the intake's transaction has committed: if the worker dies in
between, the next poll fetches it again and the intake recognises it (same bytes,
same Message-ID), so nothing is lost and nothing is filed twice.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from vigie.notifications.models import InboundSource
from vigie.servicedesk.inbound.intake import IntakeResult, process_message

logger = logging.getLogger(__name__)

# Messages handled per poll; the rest wait for the next one, so a flood cannot stall the worker.
BATCH_SIZE = 200


class MailboxError(Exception):
    """The mailbox could not be reached or read."""


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    user: str
    password: str
    use_ssl: bool
    folder: str = "INBOX"
    timeout: float = 60.0

    @classmethod
    def from_settings(cls) -> MailboxSettings:
        config = settings.VIGIE.email
        return cls(
            host=config.imap_host,
            port=config.imap_port,
            user=config.imap_user,
            password=config.imap_password,
            use_ssl=config.imap_ssl,
            folder=config.imap_folder or "INBOX",
        )


@dataclass
class PollSummary:
    fetched: int = 0
    results: list[IntakeResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    def __str__(self) -> str:
        statuses = sorted({result.status for result in self.results})
        counts = ", ".join(f"{status}: {self.count(status)}" for status in statuses) or "nothing new"
        return f"{self.fetched} fetched ({counts})" + (f", {len(self.errors)} errors" if self.errors else "")


def _connect(config: MailboxSettings) -> imaplib.IMAP4:
    if config.use_ssl:
        return imaplib.IMAP4_SSL(config.host, config.port, ssl_context=ssl.create_default_context(), timeout=config.timeout)
    return imaplib.IMAP4(config.host, config.port, timeout=config.timeout)


def _check(response: tuple[str, Sequence[Any]], what: str) -> Sequence[Any]:
    status, data = response
    if status != "OK":
        raise MailboxError(f"{what}: {status} {data!r}")
    return data


def _message_bytes(data: Sequence[Any]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _quoted_folder(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"' if re.search(r'[\s"()]', folder) else folder


def poll(config: MailboxSettings, *, limit: int = BATCH_SIZE) -> PollSummary:
    """Fetch and file the unseen messages of the configured folder."""
    if not config.host:
        raise MailboxError("No IMAP server is configured (VIGIE_IMAP_HOST).")
    summary = PollSummary()
    try:
        connection = _connect(config)
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(f"cannot connect to {config.host}:{config.port}: {error}") from error
    try:
        _check(connection.login(config.user, config.password), "login")
        _check(connection.select(_quoted_folder(config.folder)), f"select {config.folder}")
        data = _check(connection.uid("SEARCH", "UNSEEN"), "search")
        found = data[0] if data and isinstance(data[0], bytes) else b""
        uids = found.split()[:limit]
        for uid in uids:
            fetched = _check(connection.uid("FETCH", uid.decode(), "(BODY.PEEK[])"), f"fetch {uid!r}")
            raw = _message_bytes(fetched)
            if raw is None:
                summary.errors.append(f"message {uid.decode()}: empty answer")
                continue
            summary.fetched += 1
            result = process_message(raw, source=InboundSource.IMAP)
            summary.results.append(result)
            # The intake has committed (or kept the message as failed): it is safe to mark it.
            _check(connection.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)"), f"store {uid!r}")
        with contextlib.suppress(imaplib.IMAP4.error):
            connection.close()
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(str(error)) from error
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            connection.logout()
    return summary
