"""DNS probe: the name resolves, and its records of one type hold the expected values."""

from __future__ import annotations

import dns.asyncresolver
import dns.exception
import dns.rdatatype
import dns.resolver
from django.conf import settings
from django.utils.translation import gettext as _

from vigie.monitoring.probes.base import Outcome, ProbeJob, Stopwatch, host_and_port
from vigie.monitoring.probes.policy import PolicyRefused

RECORD_TYPES = ("A", "AAAA", "MX", "TXT", "CNAME", "NS")


def normalize(record_type: str, value: str) -> str:
    """Compare records as people write them: no trailing dot, lower-case names, TXT unquoted."""
    value = value.strip()
    if record_type == "TXT":
        parts = [part.strip('"') for part in value.split('" "')] if value.startswith('"') else [value]
        return "".join(parts)
    if record_type == "MX":
        priority, _, host = value.partition(" ")
        return f"{priority} {host.rstrip('.').lower()}" if host else value.rstrip(".").lower()
    return value.rstrip(".").lower()


def _nameserver(job: ProbeJob) -> tuple[str, int] | None:
    """The check's own nameserver (it must be allowed by the policy), else the settings' one."""
    configured = str(job.options.get("nameserver") or "")
    if configured:
        host, port = host_and_port(configured, 53)
        if not job.policy.allows(host):
            raise PolicyRefused(host)
        return host, port or 53
    default = str(getattr(settings, "VIGIE_PROBE_NAMESERVER", "") or "")
    if default:
        host, port = host_and_port(default, 53)
        return host, port or 53
    return None


async def probe_dns(job: ProbeJob) -> Outcome:
    record_type = str(job.options.get("record_type", "A")).upper()
    expected = [normalize(record_type, str(value)) for value in job.options.get("expected", [])]
    nameserver = _nameserver(job)
    resolver = dns.asyncresolver.Resolver(configure=nameserver is None)
    if nameserver is not None:
        resolver.nameservers = [nameserver[0]]
        resolver.port = nameserver[1]
    resolver.lifetime = job.timeout
    resolver.timeout = job.timeout
    watch = Stopwatch()
    name = job.target.strip().rstrip(".")
    try:
        answer = await resolver.resolve(name, dns.rdatatype.from_text(record_type), search=False)
    except dns.resolver.NXDOMAIN:
        return Outcome(False, _("The name %(name)s does not exist.") % {"name": name}, watch.ms(), {"record_type": record_type})
    except dns.resolver.NoAnswer:
        message = _("%(name)s has no %(type)s record.") % {"name": name, "type": record_type}
        return Outcome(False, message, watch.ms(), {"record_type": record_type, "records": []})
    except dns.exception.Timeout:
        return Outcome(False, _("No answer from the DNS server within the time limit."), watch.ms(), {"record_type": record_type})
    latency = watch.ms()
    records = sorted(normalize(record_type, rdata.to_text()) for rdata in answer)
    details = {"record_type": record_type, "records": records[:50]}
    missing = [value for value in expected if value not in records]
    if missing:
        message = _("Expected %(type)s records missing: %(missing)s.") % {"type": record_type, "missing": ", ".join(missing)}
        return Outcome(False, message, latency, details)
    return Outcome(True, _("%(count)s %(type)s records.") % {"count": len(records), "type": record_type}, latency, details)
