"""Run one probe job and always come back with an ``Outcome`` (never an exception)."""

from __future__ import annotations

import asyncio
import logging
import ssl

import httpx
from django.utils.translation import gettext as _

from vigie.monitoring.models import CheckKind
from vigie.monitoring.probes.base import Outcome, ProbeJob
from vigie.monitoring.probes.dns import probe_dns
from vigie.monitoring.probes.domain import probe_domain
from vigie.monitoring.probes.http import HttpClients, describe_http_error, probe_http
from vigie.monitoring.probes.network import describe_error, probe_icmp, probe_tcp
from vigie.monitoring.probes.policy import PolicyRefused
from vigie.monitoring.probes.tls import probe_tls

logger = logging.getLogger(__name__)


class ProbeResources:
    """What the probes of one process share: HTTP clients (no keep-alive) and the RDAP client."""

    def __init__(self) -> None:
        self.http = HttpClients()
        self._rdap: httpx.AsyncClient | None = None

    @property
    def rdap(self) -> httpx.AsyncClient:
        if self._rdap is None:
            self._rdap = httpx.AsyncClient(follow_redirects=True, max_redirects=5, trust_env=False)
        return self._rdap

    async def aclose(self) -> None:
        await self.http.aclose()
        if self._rdap is not None:
            await self._rdap.aclose()


async def _dispatch(job: ProbeJob, resources: ProbeResources) -> Outcome:
    if job.kind == CheckKind.HTTP:
        return await probe_http(job, resources.http)
    if job.kind == CheckKind.TCP:
        return await probe_tcp(job)
    if job.kind == CheckKind.ICMP:
        return await probe_icmp(job)
    if job.kind == CheckKind.TLS:
        return await probe_tls(job)
    if job.kind == CheckKind.DNS:
        return await probe_dns(job)
    if job.kind == CheckKind.DOMAIN:
        return await probe_domain(job, resources.rdap)
    return Outcome(False, _("Unknown kind of check."))


async def run_probe(job: ProbeJob, resources: ProbeResources) -> Outcome:
    # A whole run (redirects, two TLS handshakes, several pings) gets a bounded budget.
    budget = job.timeout * max(2, int(job.options.get("count", 1)) + 1) + 1
    try:
        return await asyncio.wait_for(_dispatch(job, resources), budget)
    except PolicyRefused as refused:
        return Outcome(False, str(refused), None, {"refused_address": refused.address})
    except (TimeoutError, httpx.TimeoutException):
        return Outcome(False, _("No answer within the time limit."))
    except httpx.HTTPError as error:
        return Outcome(False, describe_http_error(error))
    except ssl.SSLError as error:
        return Outcome(False, _("TLS handshake failed: %(reason)s") % {"reason": error.reason or str(error)})
    except OSError as error:
        return Outcome(False, describe_error(error))
    except asyncio.CancelledError:
        raise
    except Exception as error:  # a probe must never bring the process down
        logger.exception("probe of check %s failed", job.check_id)
        return Outcome(False, _("The probe failed: %(error)s") % {"error": error.__class__.__name__})
