"""Real mail servers on loopback for the e-mail tests: an SMTP server (aiosmtpd) that keeps
what it receives, and an IMAP4 server (Twisted's ``IMAP4Server``) over an in-memory mailbox.

Both listen on an ephemeral port of 127.0.0.1, so parallel test workers never collide.
Nothing here mocks ``smtplib`` or ``imaplib``: Vigie's code talks the real protocols.
"""

from __future__ import annotations

import email
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from aiosmtpd.controller import Controller
from zope.interface import implementer

# ---------------------------------------------------------------- SMTP


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]

    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        return body.get_content() if body is not None else ""

    def html(self) -> str:
        body = self.message.get_body(preferencelist=("html",))
        return body.get_content() if body is not None else ""


@dataclass
class _Recorder:
    mails: list[ReceivedMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        with self.lock:
            self.mails.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), bytes(data)))
        return "250 Message accepted for delivery"


class _EphemeralController(Controller):
    """aiosmtpd's controller, able to listen on port 0 (it checks readiness by connecting back)."""

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """An SMTP server on 127.0.0.1 that accepts everything and keeps it in ``mails``."""

    def __init__(self, port: int = 0) -> None:
        self.recorder = _Recorder()
        self.host = "127.0.0.1"
        self.port = port
        self._controller: _EphemeralController | None = None

    @property
    def mails(self) -> list[ReceivedMail]:
        with self.recorder.lock:
            return list(self.recorder.mails)

    def start(self) -> None:
        self._controller = _EphemeralController(self.recorder, hostname=self.host, port=self.port)
        self._controller.start()
        self.port = self._controller.port

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.mails if address in mail.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        while len(self.mails) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.mails


def free_port() -> int:
    """A port nothing listens on (for "the SMTP server is down")."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def use_smtp(settings: Any, host: str, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = host
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@contextmanager
def running_smtp(settings: Any) -> Iterator[SmtpServer]:
    """An SMTP server for the duration of the block, with Django's SMTP backend pointed at it."""
    server = SmtpServer()
    server.start()
    use_smtp(settings, server.host, server.port)
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- IMAP

_reactor_lock = threading.Lock()


def _reactor() -> Any:
    """Twisted's reactor, running in a daemon thread (once per process)."""
    from twisted.internet import reactor

    with _reactor_lock:
        if not reactor.running:
            thread = threading.Thread(target=reactor.run, kwargs={"installSignalHandlers": False}, daemon=True)
            thread.start()
            deadline = time.monotonic() + 5
            while not reactor.running and time.monotonic() < deadline:
                time.sleep(0.01)
    return reactor


def _in_reactor(function: Any, *args: Any) -> Any:
    from twisted.internet.threads import blockingCallFromThread

    return blockingCallFromThread(_reactor(), function, *args)


def _imap_classes() -> dict[str, Any]:
    """Built lazily so that importing this module does not import Twisted."""
    from twisted.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
    from twisted.cred.portal import IRealm, Portal
    from twisted.internet import defer, protocol
    from twisted.mail import imap4

    @implementer(imap4.IMessage, imap4.IMessageFile)
    class MemoryMessage:
        def __init__(self, uid: int, raw: bytes, flags: list[str]) -> None:
            self.uid = uid
            self.raw = raw
            self.flags = list(flags)
            self.date = formatdate(localtime=False)
            head, _separator, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
            self.head = head
            self.body = body

        def getUID(self) -> int:
            return self.uid

        def getFlags(self) -> list[str]:
            return list(self.flags)

        def getInternalDate(self) -> str:
            return self.date

        def getHeaders(self, negate: bool, *names: Any) -> dict[str, str]:
            parsed = email.message_from_bytes(self.head + b"\r\n\r\n")
            wanted = {(n.decode() if isinstance(n, bytes) else n).lower() for n in names}
            result: dict[str, str] = {}
            for key, value in parsed.items():
                selected = key.lower() in wanted
                if not names or (selected != bool(negate)):
                    result[key.lower()] = str(value)
            return result

        def getBodyFile(self) -> io.BytesIO:
            return io.BytesIO(self.body)

        def getSize(self) -> int:
            return len(self.raw)

        def isMultipart(self) -> bool:
            return False

        def getSubPart(self, part: int) -> Any:
            raise IndexError(part)

        def open(self) -> io.BytesIO:
            return io.BytesIO(self.raw)

    @implementer(imap4.IMailbox, imap4.ICloseableMailbox)
    class MemoryMailbox:
        def __init__(self) -> None:
            self.messages: list[MemoryMessage] = []
            self.next_uid = 1
            self.listeners: list[Any] = []

        def getFlags(self) -> list[str]:
            return ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"]

        def getHierarchicalDelimiter(self) -> str:
            return "/"

        def getUIDValidity(self) -> int:
            return 1

        def getUIDNext(self) -> int:
            return self.next_uid

        def getUID(self, sequence: int) -> int:
            return self.messages[sequence - 1].uid

        def getMessageCount(self) -> int:
            return len(self.messages)

        def getRecentCount(self) -> int:
            return 0

        def getUnseenCount(self) -> int:
            return sum(1 for m in self.messages if "\\Seen" not in m.flags)

        def isWriteable(self) -> bool:
            return True

        def destroy(self) -> None:
            self.messages.clear()

        def close(self) -> None:
            return None

        def requestStatus(self, names: Any) -> Any:
            return imap4.statusRequestHelper(self, names)

        def addListener(self, listener: Any) -> None:
            self.listeners.append(listener)

        def removeListener(self, listener: Any) -> None:
            if listener in self.listeners:
                self.listeners.remove(listener)

        def add(self, raw: bytes, flags: list[str] | None = None) -> int:
            message = MemoryMessage(self.next_uid, raw, flags or [])
            self.next_uid += 1
            self.messages.append(message)
            return message.uid

        def addMessage(self, message: Any, flags: Any = (), date: Any = None) -> Any:
            raw = message.read() if hasattr(message, "read") else bytes(message)
            self.add(raw, [f.decode() if isinstance(f, bytes) else f for f in flags])
            return defer.succeed(None)

        def expunge(self) -> list[int]:
            removed = [m.uid for m in self.messages if "\\Deleted" in m.flags]
            self.messages = [m for m in self.messages if "\\Deleted" not in m.flags]
            return removed

        def _select(self, messages: Any, uid: bool) -> list[tuple[int, MemoryMessage]]:
            highest = (self.messages[-1].uid if uid else len(self.messages)) if self.messages else 0
            with suppress(ValueError):  # "*" already resolved
                messages.last = highest
            selected = []
            for sequence, message in enumerate(self.messages, start=1):
                key = message.uid if uid else sequence
                if key in messages:
                    selected.append((sequence, message))
            return selected

        def fetch(self, messages: Any, uid: bool) -> list[tuple[int, MemoryMessage]]:
            return self._select(messages, uid)

        def store(self, messages: Any, flags: list[str], mode: int, uid: bool) -> dict[int, list[str]]:
            changed = {}
            for sequence, message in self._select(messages, uid):
                if mode == 1:
                    message.flags = sorted(set(message.flags) | set(flags))
                elif mode == -1:
                    message.flags = [f for f in message.flags if f not in flags]
                else:
                    message.flags = list(flags)
                changed[sequence] = list(message.flags)
            return changed

    class MemoryAccount(imap4.MemoryAccount):
        def _emptyMailbox(self, name: str, id: int) -> MemoryMailbox:
            return MemoryMailbox()

    @implementer(IRealm)
    class Realm:
        def __init__(self, account: MemoryAccount) -> None:
            self.account = account

        def requestAvatar(self, avatar_id: Any, mind: Any, *interfaces: Any) -> Any:
            return imap4.IAccount, self.account, lambda: None

    class Factory(protocol.Factory):
        def __init__(self, portal: Portal) -> None:
            self.portal = portal

        def buildProtocol(self, address: Any) -> Any:
            server = imap4.IMAP4Server()
            server.portal = self.portal
            server.factory = self
            return server

    return {
        "MemoryAccount": MemoryAccount,
        "Realm": Realm,
        "Factory": Factory,
        "Portal": Portal,
        "Checker": InMemoryUsernamePasswordDatabaseDontUse,
    }


class ImapServer:
    """An IMAP4 server on 127.0.0.1 with one account and an in-memory INBOX."""

    def __init__(self, user: str = "helpdesk", password: str = "imap-secret") -> None:
        self.user = user
        self.password = password
        self.host = "127.0.0.1"
        self.port = 0
        self._listener: Any = None
        classes = _imap_classes()
        self.account = classes["MemoryAccount"](user)
        self.account.addMailbox("INBOX")
        checker = classes["Checker"]()
        checker.addUser(user.encode(), password.encode())
        self._factory = classes["Factory"](classes["Portal"](classes["Realm"](self.account), [checker]))

    @property
    def inbox(self) -> Any:
        return self.account.mailboxes["INBOX"]

    def start(self) -> None:
        reactor = _reactor()
        self._listener = _in_reactor(lambda: reactor.listenTCP(0, self._factory, interface=self.host))
        self.port = self._listener.getHost().port

    def stop(self) -> None:
        if self._listener is not None:
            _in_reactor(self._listener.stopListening)
            self._listener = None

    def deliver(self, raw: bytes, flags: list[str] | None = None) -> int:
        """Put a message in the INBOX, as the MTA would; return its UID."""
        return int(_in_reactor(self.inbox.add, raw, flags))

    def flags(self) -> dict[int, list[str]]:
        return _in_reactor(lambda: {m.uid: list(m.flags) for m in self.inbox.messages})  # type: ignore[no-any-return]


@contextmanager
def running_imap() -> Iterator[ImapServer]:
    server = ImapServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- sample messages


def make_mail(
    *,
    sender: str,
    to: str,
    subject: str = "Imprimante en panne",
    body: str | None = "L'imprimante du 2e étage ne répond plus.",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bytes:
    """A message as a mail client would send it, as bytes."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or email.utils.make_msgid(domain="client.test")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    if body is not None:
        message.set_content(body)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, data, content_type in attachments or []:
        maintype, _slash, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()
