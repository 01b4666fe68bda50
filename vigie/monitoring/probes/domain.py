"""Domain registration expiry, read from RDAP (RFC 9083: the ``expiration`` event of the domain).

The RDAP service is ``VIGIE_RDAP_BASE_URL`` (default https://rdap.org/, which redirects to each
registry's own server). It is chosen by the administrator, not by a client, so the probe policy
does not apply to it; the domain name itself is never connected to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.monitoring.models import AlertSeverity
from vigie.monitoring.probes.base import Outcome, ProbeJob, Stopwatch

DEFAULT_WARNING_DAYS = 30


def rdap_url(domain: str) -> str:
    base = str(getattr(settings, "VIGIE_RDAP_BASE_URL", "") or "https://rdap.org/")
    return f"{base.rstrip('/')}/domain/{domain}"


def _event(data: dict[str, Any], action: str) -> datetime | None:
    for event in data.get("events", []) or []:
        if isinstance(event, dict) and event.get("eventAction") == action and event.get("eventDate"):
            try:
                moment = datetime.fromisoformat(str(event["eventDate"]).replace("Z", "+00:00"))
            except ValueError:
                return None
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _registrar(data: dict[str, Any]) -> str:
    for entity in data.get("entities", []) or []:
        if isinstance(entity, dict) and "registrar" in (entity.get("roles") or []):
            for item in (entity.get("vcardArray") or [None, []])[1]:
                if isinstance(item, list) and item and item[0] == "fn":
                    return str(item[3])
            return str(entity.get("handle", ""))
    return ""


async def probe_domain(job: ProbeJob, client: httpx.AsyncClient) -> Outcome:
    domain = job.target.strip().rstrip(".").lower()
    warning_days = int(job.options.get("warning_days", DEFAULT_WARNING_DAYS))
    watch = Stopwatch()
    response = await client.get(rdap_url(domain), timeout=job.timeout, headers={"Accept": "application/rdap+json"})
    latency = watch.ms()
    if response.status_code == 404:
        return Outcome(False, _("The domain %(domain)s is not registered.") % {"domain": domain}, latency, {"status": 404})
    if response.status_code != 200:
        message = _("The registration service answered %(status)s.") % {"status": response.status_code}
        return Outcome(False, message, latency, {"status": response.status_code})
    try:
        data = response.json()
    except ValueError:
        return Outcome(False, _("The registration service's answer is not JSON."), latency)
    expiration = _event(data, "expiration")
    details: dict[str, Any] = {"registrar": _registrar(data)}
    registration = _event(data, "registration")
    if registration:
        details["registered_at"] = registration.isoformat()
    if expiration is None:
        return Outcome(False, _("The registration data has no expiry date."), latency, details)
    details["expires_at"] = expiration.isoformat()
    left = int((expiration - timezone.now()).total_seconds() // 86400)
    details["days_left"] = left
    date = expiration.date().isoformat()
    if left < 0:
        return Outcome(False, _("The domain expired on %(date)s.") % {"date": date}, latency, details)
    if left < warning_days:
        message = _("The domain expires in %(days)s days (%(date)s).") % {"days": left, "date": date}
        return Outcome(False, message, latency, details, severity=AlertSeverity.WARNING)
    return Outcome(True, _("Registered until %(date)s (%(days)s days).") % {"date": date, "days": left}, latency, details)
