"""``POST /glpi/<token>/``: where a client's GLPI Agents send their CONTACT requests and their
JSON inventories (``glpi-agent --server https://vigie.example/glpi/<token>/``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from vigie.monitoring.agents.facts import FactsError, clean_facts
from vigie.monitoring.agents.health import health_signals
from vigie.monitoring.agents.log import log_refusal
from vigie.monitoring.alerting import record_signals
from vigie.monitoring.glpi.mapping import glpi_facts
from vigie.monitoring.glpi.protocol import NONE, ProtocolError, compression_of, decode, encode
from vigie.monitoring.inventory import apply_inventory
from vigie.monitoring.models import IntakeSource, SourceKind
from vigie.monitoring.tokens import source_for_token

EXPIRATION_HOURS = 24  # when the agent should come back (GLPI's default frequency)
SOURCE = "glpi"
ENDPOINT = "glpi"


def _reply(payload: dict[str, Any], compression: str, status: int = 200) -> HttpResponse:
    data, content_type = encode(payload, compression)
    return HttpResponse(data, content_type=content_type, status=status)


def _error(
    request: HttpRequest, message: str, compression: str, status: int, source_id: int | None, body: bytes | None = None
) -> HttpResponse:
    log_refusal(request, endpoint=ENDPOINT, status=status, reason=message, source_id=source_id, body=body)
    return _reply({"status": "error", "message": message, "expiration": EXPIRATION_HOURS}, compression, status)


def contact_reply() -> dict[str, Any]:
    """Answer to CONTACT: come back in a day; the one task Vigie wants is the inventory."""
    return {"status": "ok", "expiration": EXPIRATION_HOURS, "tasks": {"inventory": {"server": "glpi", "version": "10.0.0"}}}


def apply_glpi_inventory(source: IntakeSource, message: dict[str, Any]) -> int:
    """Map and apply one inventory in a transaction; returns the CI's id."""
    facts = clean_facts(glpi_facts(message))
    if not facts.get("hostname"):
        raise FactsError(_("The inventory has no machine name (content.hardware.name)."))
    itemtype = str(message.get("itemtype") or "Computer")
    if itemtype.lower() != "computer":
        raise FactsError(_("Only computer inventories are accepted, not %(itemtype)s.") % {"itemtype": itemtype[:50]})
    now = timezone.now()
    with transaction.atomic():
        item = apply_inventory(source.organization, facts, source=SOURCE, at=now, agent=None)
        record_signals(
            health_signals(
                organization_id=source.organization_id,
                item_id=item.pk,
                name=item.name,
                facts=facts,
                metrics=[],
                at=now,
                source_kind=SourceKind.GLPI_AGENT,
                prefix="glpi",
                intake_source_id=source.pk,
            )
        )
        IntakeSource.objects.filter(pk=source.pk).update(last_received_at=now, received_count=F("received_count") + 1)
    return item.pk


@csrf_exempt
def intake(request: HttpRequest, source_token: str) -> HttpResponse:
    source = source_for_token(source_token, SourceKind.GLPI_AGENT)
    try:
        compression = compression_of(request.content_type or "")
    except ProtocolError as error:
        return _error(request, str(error), NONE, error.status, source.pk if source else None)
    if source is None:
        return _error(request, _("Unknown or revoked token."), compression, 401, None)
    if request.method != "POST":
        return _error(request, _("The GLPI Agent protocol uses POST."), compression, 405, source.pk)
    try:
        message = decode(request.body, compression)
    except ProtocolError as error:
        return _error(request, str(error), compression, error.status, source.pk)
    action = str(message.get("action") or message.get("query") or "inventory").lower()
    if action == "contact":
        return _reply(contact_reply(), compression)
    if action != "inventory":
        return _error(request, _("Unsupported action %(action)s.") % {"action": action[:50]}, compression, 400, source.pk)
    try:
        apply_glpi_inventory(source, message)
    except FactsError as error:
        plain, _type = encode(message, NONE)
        return _error(request, str(error), compression, 400, source.pk, body=plain)
    return _reply({"status": "ok", "expiration": EXPIRATION_HOURS}, compression)
