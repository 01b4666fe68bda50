"""Enrolment of agents and the intake of their signed reports.

Enrolment: a client's enrolment token (an ``IntakeSource`` of kind ``agent``) creates an ``Agent``
with its own secret, returned once; only its SHA-256 is stored. The same machine (client,
machine id) enrolling again gets the same agent with a new secret.

Reports: the agent signs each request with HMAC-SHA256 keyed by the stored SHA-256 of its secret
over ``timestamp + "\\n" + body`` (see ``vigie_agent.transport``). A request older or newer than
10 minutes is refused; each report carries an increasing sequence number and a number already
stored is acknowledged without being applied again. A batch is applied in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from vigie.core.audit import acting_as
from vigie.monitoring.agents.facts import FactsError, clean_facts, clean_metrics, parse_moment
from vigie.monitoring.agents.health import health_signals
from vigie.monitoring.alerting import record_signals
from vigie.monitoring.inventory import apply_inventory
from vigie.monitoring.metrics.store import store_samples
from vigie.monitoring.models import Agent, IntakeSource
from vigie.tenancy.models import Organization

CLOCK_SKEW = timedelta(minutes=10)
MAX_REPORTS = 500
SECRET_PREFIX = "vga_"  # noqa: S105 - a visible prefix, not a secret
SOURCE_KIND = "agent"
DEFAULT_INTERVAL = 300
DEFAULT_INVENTORY_INTERVAL = 3600


class ReportError(ValueError):
    """A request the server refuses; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def expected_signature(token_hash: str, timestamp: str, body: bytes) -> str:
    return hmac.new(token_hash.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def enrol_agent(source: IntakeSource, payload: Any, *, now: datetime) -> tuple[Agent, str]:
    """Create (or re-key) the agent of this machine; returns it with its clear secret."""
    if not isinstance(payload, dict):
        raise ReportError(_("The body must be a JSON object."))
    hostname = payload.get("hostname")
    if not isinstance(hostname, str) or not hostname.strip():
        raise ReportError(_("hostname is required."))
    machine_id = payload.get("machine_id") or ""
    version = payload.get("agent_version") or ""
    if not isinstance(machine_id, str) or not isinstance(version, str):
        raise ReportError(_("machine_id and agent_version must be text."))
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    organization = source.organization
    with transaction.atomic(), acting_as(None):
        agent = None
        if machine_id.strip():
            agent = (
                Agent.objects.select_for_update().filter(organization=organization, machine_id=machine_id.strip()[:128]).first()
            )
        if agent is None:
            agent = Agent(organization=organization, machine_id=machine_id.strip()[:128], enrolled_at=now)
        agent.hostname = hostname.strip()[:200]
        agent.agent_version = version[:32]
        agent.token_hash = hash_secret(secret)
        agent.enrolled_at = now
        agent.is_active = True
        agent.save()
        IntakeSource.objects.filter(pk=source.pk).update(last_received_at=now, received_count=F("received_count") + 1)
    return agent, secret


def authenticate(headers: Any, body: bytes, *, now: datetime) -> Agent:
    """The agent that signed this request; ``ReportError`` (401) otherwise."""
    agent_id = headers.get("X-Vigie-Agent", "")
    timestamp = headers.get("X-Vigie-Timestamp", "")
    signature = headers.get("X-Vigie-Signature", "")
    try:
        parsed_id = uuid.UUID(agent_id)
    except ValueError:
        raise ReportError(_("Unknown agent."), 401) from None
    agent = (
        Agent.objects.select_related("organization")
        .filter(agent_id=parsed_id, is_active=True, organization__is_active=True)
        .first()
    )
    if agent is None:
        raise ReportError(_("Unknown agent."), 401)
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > CLOCK_SKEW.total_seconds():
        raise ReportError(_("The request's timestamp is missing or more than 10 minutes away from the server's clock."), 401)
    if not hmac.compare_digest(expected_signature(agent.token_hash, timestamp, body), signature.strip().lower()):
        raise ReportError(_("Bad signature."), 401)
    return agent


@dataclass
class ParsedReport:
    sequence: int
    collected_at: datetime
    inventory: dict[str, Any] | None
    metrics: list[tuple[str, float]]
    version: str = ""


@dataclass
class IntakeResult:
    accepted: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    configuration_item_id: int | None = None

    def as_json(self, agent: Agent) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "last_sequence": agent.last_sequence,
            "configuration_item": self.configuration_item_id,
            "interval": DEFAULT_INTERVAL,
        }


def parse_reports(body: bytes, *, now: datetime) -> list[ParsedReport]:
    """Every report of the batch, checked; the first problem refuses the whole batch."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ReportError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("reports"), list):
        raise ReportError(_('The body must be an object with a "reports" list.'))
    raw_reports = payload["reports"]
    if not raw_reports or len(raw_reports) > MAX_REPORTS:
        raise ReportError(_("A batch holds from 1 to %(limit)s reports.") % {"limit": MAX_REPORTS})
    reports = []
    for index, raw in enumerate(raw_reports):
        try:
            reports.append(_parse_one(raw, now=now))
        except FactsError as error:
            raise ReportError(_("Report %(index)s: %(reason)s") % {"index": index, "reason": error}) from None
    sequences = [report.sequence for report in reports]
    if len(set(sequences)) != len(sequences):
        raise ReportError(_("A batch cannot hold the same sequence number twice."))
    return sorted(reports, key=lambda report: report.sequence)


def _parse_one(raw: Any, *, now: datetime) -> ParsedReport:
    if not isinstance(raw, dict):
        raise FactsError(_("a report must be an object."))
    sequence = raw.get("sequence")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1 or sequence > 2**62:
        raise FactsError(_("sequence must be a positive whole number."))
    collected_at = parse_moment(raw.get("collected_at"), "collected_at")
    if collected_at is None:
        raise FactsError(_("collected_at is required."))
    if collected_at > now + CLOCK_SKEW:
        raise FactsError(_("collected_at is in the future."))
    inventory = raw.get("inventory")
    if inventory is not None:
        inventory = clean_facts(inventory)
        if not inventory.get("hostname"):
            raise FactsError(_("hostname is required."))
    metrics = clean_metrics(raw.get("metrics") or [])
    version = raw.get("agent_version")
    return ParsedReport(sequence, collected_at, inventory, metrics, version if isinstance(version, str) else "")


def ingest_reports(agent: Agent, reports: list[ParsedReport], *, now: datetime) -> IntakeResult:
    """Apply the reports not yet stored, oldest first, in one transaction."""
    result = IntakeResult()
    with transaction.atomic():
        locked = Agent.objects.select_for_update().select_related("organization").get(pk=agent.pk)
        organization: Organization = locked.organization
        signals = []
        for report in reports:
            if report.sequence <= locked.last_sequence:
                result.duplicates.append(report.sequence)
                continue
            item_id = locked.configuration_item_id
            name = locked.hostname
            if report.inventory is not None:
                item = apply_inventory(organization, report.inventory, source=SOURCE_KIND, at=report.collected_at, agent=locked)
                item_id, name = item.pk, item.name
                locked.hostname = (report.inventory.get("hostname") or locked.hostname)[:200]
            if item_id is not None:
                store_samples(item_id, [(metric, report.collected_at, value) for metric, value in report.metrics], now=now)
                signals += health_signals(
                    organization_id=organization.pk,
                    item_id=item_id,
                    name=name,
                    facts=report.inventory,
                    metrics=report.metrics,
                    at=report.collected_at,
                    source_kind=SOURCE_KIND,
                    prefix="agent",
                )
            locked.last_sequence = report.sequence
            locked.last_report_at = max(locked.last_report_at or report.collected_at, report.collected_at)
            if report.version:
                locked.agent_version = report.version[:32]
            result.accepted.append(report.sequence)
        if signals:
            record_signals(signals)
        if result.accepted:
            # An update, not a save: the audit trail records enrolments, not every report.
            Agent.objects.filter(pk=locked.pk).update(
                last_sequence=locked.last_sequence,
                last_report_at=locked.last_report_at,
                hostname=locked.hostname,
                agent_version=locked.agent_version,
                updated_at=now,
            )
        result.configuration_item_id = locked.configuration_item_id
        agent.last_sequence = locked.last_sequence
    return result
