"""Real servers on loopback for the probe tests: HTTP (status, keyword, slow, redirect routes),
HTTPS with certificates made here (a CA, valid, expiring soon, expired, wrong host, self-signed),
a UDP DNS server answering from a table, and an RDAP server."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# -- HTTP -----------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    rdap: dict[str, dict[str, Any]] = {}
    requests = 0  # every request any test server received

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        Handler.requests += 1
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        path = parts.path
        if path == "/ok":
            self._send(200, b"<html>Bonjour, tout va bien. Vigie</html>", {"Content-Type": "text/html; charset=utf-8"})
        elif path.startswith("/status/"):
            self._send(int(path.rsplit("/", 1)[1]), b"status page")
        elif path == "/error-page":
            self._send(200, b"<html>Fatal error: database unreachable</html>")
        elif path == "/slow":
            time.sleep(int(query.get("ms", "300")) / 1000)
            self._send(200, b"slow but fine")
        elif path == "/redirect":
            self._send(int(query.get("code", "302")), b"", {"Location": query["to"]})
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self._send(302, b"", {"Location": f"/chain/{left - 1}" if left > 0 else "/ok"})
        elif path.startswith("/domain/"):
            name = path.rsplit("/", 1)[1]
            if name in self.rdap:
                self._send(200, json.dumps(self.rdap[name]).encode(), {"Content-Type": "application/rdap+json"})
            else:
                self._send(404, b'{"errorCode": 404}', {"Content-Type": "application/rdap+json"})
        else:
            self._send(404, b"not found")


class Listener(ThreadingHTTPServer):
    request_queue_size = 1024  # bursts of connections from the probes must not be dropped
    daemon_threads = True


class Server:
    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.httpd = Listener(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- certificates ---------------------------------------------------------------------------------


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Vigie tests")]
    )


@dataclass
class Issued:
    cert: Path
    key: Path

    def context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


class Authority:
    """A test CA and the certificates it issues (PEM files in ``directory``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key = _key()
        now = datetime.now(UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name("Vigie Test CA"))
            .issuer_name(_name("Vigie Test CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=30))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, label: str, *, names: list[str], days_left: float, self_signed: bool = False) -> Issued:
        key = _key()
        now = datetime.now(UTC)
        subject = _name(names[0])
        alternative = [x509.DNSName(n) for n in names if not n[0].isdigit()]
        alternative += [x509.IPAddress(ip_address(n)) for n in names if n[0].isdigit()]
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if self_signed else self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=60))
            .not_valid_after(now + timedelta(days=days_left))
            .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        cert = builder.sign(key if self_signed else self.key, hashes.SHA256())
        cert_path = self.directory / f"{label}.pem"
        key_path = self.directory / f"{label}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        return Issued(cert_path, key_path)


@dataclass
class TlsServers:
    ca_file: Path
    valid: Server
    expiring: Server
    expired: Server
    wrong_host: Server
    self_signed: Server

    def all(self) -> list[Server]:
        return [self.valid, self.expiring, self.expired, self.wrong_host, self.self_signed]


def tls_servers(directory: Path) -> TlsServers:
    ca = Authority(directory)
    local = ["localhost", "127.0.0.1"]
    return TlsServers(
        ca_file=ca.ca_file,
        valid=Server(ca.issue("valid", names=local, days_left=200).context()),
        expiring=Server(ca.issue("expiring", names=local, days_left=5.5).context()),
        expired=Server(ca.issue("expired", names=local, days_left=-3).context()),
        wrong_host=Server(ca.issue("wrong", names=["other.example"], days_left=200).context()),
        self_signed=Server(ca.issue("self", names=local, days_left=200, self_signed=True).context()),
    )


# -- DNS --------------------------------------------------------------------------------------------


class DnsServer:
    """Answers A/AAAA/MX/TXT/CNAME/NS questions from ``records`` ({(name, type): [rdata text]})."""

    def __init__(self, records: dict[tuple[str, str], list[str]]) -> None:
        self.records = records
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while self.running:
            try:
                data, sender = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            kind = dns.rdatatype.to_text(question.rdtype)
            if (name, kind) in self.records:
                response.answer.append(dns.rrset.from_text_list(question.name, 300, "IN", kind, self.records[(name, kind)]))
            elif not any(known == name for known, _ in self.records):
                response.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(response.to_wire(), sender)

    def close(self) -> None:
        self.running = False
        self.sock.close()


def wait_for(condition: Any, timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Poll ``condition`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
