"""TLS certificate probe: chain validity against the system CA store, host name match, days to expiry."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.monitoring.models import AlertSeverity
from vigie.monitoring.probes.base import Outcome, ProbeJob, Stopwatch, host_and_port
from vigie.monitoring.probes.network import close, connect_first
from vigie.monitoring.probes.policy import resolve_checked

DEFAULT_WARNING_DAYS = 14


@lru_cache(maxsize=4)
def _context(verify: bool, ca_file: str) -> ssl.SSLContext:
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def client_context(verify: bool = True) -> ssl.SSLContext:
    """The system CA store (plus ``VIGIE_PROBE_CA_FILE``, for a provider's own CA), or no verification."""
    return _context(verify, str(getattr(settings, "VIGIE_PROBE_CA_FILE", "") or ""))


def _name(value: x509.Name) -> str:
    common = value.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(common[0].value) if common else value.rfc4514_string()


def certificate_details(der: bytes) -> dict[str, Any]:
    certificate = x509.load_der_x509_certificate(der)
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName
        )
    except x509.ExtensionNotFound:
        names = []
    return {
        "subject": _name(certificate.subject),
        "issuer": _name(certificate.issuer),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "serial_number": format(certificate.serial_number, "x"),
        "names": names[:20],
    }


def _verify_message(error: ssl.SSLCertVerificationError) -> str:
    code = getattr(error, "verify_code", None)
    reason = getattr(error, "verify_message", "") or str(error)
    if code == 10:
        return _("The certificate has expired.")
    if code in (18, 19):
        return _("The certificate is self-signed (not issued by a trusted authority).")
    if code in (2, 20, 21):
        return _("The certificate is not issued by a trusted authority.")
    if code == 62 or "hostname" in reason.lower() or "match" in reason.lower():
        return _("The certificate does not match the host name.")
    return _("The certificate is not valid: %(reason)s") % {"reason": reason}


async def _handshake(addresses: list[str], port: int, host: str, timeout: float, verify: bool) -> tuple[bytes, str, str]:
    _reader, writer, address = await connect_first(
        addresses, port, timeout, ssl=client_context(verify), server_hostname=host, ssl_handshake_timeout=timeout
    )
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        version = ssl_object.version() if ssl_object else ""
        return der or b"", address, version or ""
    finally:
        await close(writer)


def days_left(not_after: datetime, now: datetime) -> int:
    return int((not_after - now).total_seconds() // 86400)


async def probe_tls(job: ProbeJob) -> Outcome:
    host, port = host_and_port(job.target, job.port or 443)
    assert port is not None
    server_name = str(job.options.get("server_name") or host)
    warning_days = int(job.options.get("warning_days", DEFAULT_WARNING_DAYS))
    watch = Stopwatch()
    addresses = await resolve_checked(host, port, job.policy)
    failure = ""
    try:
        der, address, version = await _handshake(addresses, port, server_name, job.timeout, verify=True)
    except ssl.SSLCertVerificationError as error:
        failure = _verify_message(error)
        der, address, version = await _handshake(addresses, port, server_name, job.timeout, verify=False)
    latency = watch.ms()
    details: dict[str, Any] = {"address": address, "port": port, "tls_version": version}
    if der:
        details.update(certificate_details(der))
    if failure:
        details["valid"] = False
        return Outcome(False, failure, latency, details)
    details["valid"] = True
    not_after = datetime.fromisoformat(details["not_after"]).astimezone(UTC)
    left = days_left(not_after, timezone.now())
    details["days_left"] = left
    if left < warning_days:
        message = _("The certificate expires in %(days)s days (%(date)s).") % {"days": left, "date": not_after.date().isoformat()}
        return Outcome(False, message, latency, details, severity=AlertSeverity.WARNING)
    return Outcome(True, _("Certificate valid for %(days)s more days.") % {"days": left}, latency, details)
