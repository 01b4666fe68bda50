"""Incident rules: what a firing or recovered alert does to the service desk.

From the client's ``AlertPolicy``:

- a firing alert (not silenced, not flapping) at or above ``incident_min_severity`` opens an
  incident (channel "monitoring"), linked to the alert's CI and naming the services it impacts;
  its priority follows the most critical impacted service (vital → P1, high → P2, medium → P3,
  low → P4, through the impact × urgency matrix);
- while that incident is open, later firings add an internal note to it (at most one every
  ``NOTE_INTERVAL``), never a second ticket;
- on recovery the incident is resolved, unless a person has worked on it (any timeline event by
  someone other than the supervision user: a reply, a note, an assignment, a status change) or
  another alert on it still fires: then a note "alert recovered" is added instead;
- a firing within ``reopen_within_days`` of the incident's resolution reopens it; later, a new
  incident is opened.

Every function runs with the alert row locked by the caller and is idempotent: what was done
for the current firing or recovery is read back from the alert's events.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from vigie.catalog.models import BusinessService, Criticality
from vigie.monitoring.alerting.policy import at_least
from vigie.monitoring.alerting.supervision import NoProvider, supervision_user
from vigie.monitoring.models import Alert, AlertEvent, AlertEventKind, AlertPolicy, AlertSeverity
from vigie.servicedesk import services as desk
from vigie.servicedesk.models import Channel, EventKind, Level, Ticket, TicketEvent, TicketStatus, TicketType

logger = logging.getLogger(__name__)

NOTE_INTERVAL = timedelta(minutes=30)
INCIDENT_KINDS = (
    AlertEventKind.INCIDENT_OPENED,
    AlertEventKind.INCIDENT_UPDATED,
    AlertEventKind.INCIDENT_REOPENED,
    AlertEventKind.INCIDENT_RESOLVED,
)
# Service criticality → (impact, urgency): the matrix then gives P1 … P4.
CRITICALITY_LEVELS: dict[int, tuple[int, int]] = {
    Criticality.VITAL: (Level.HIGH, Level.HIGH),
    Criticality.HIGH: (Level.HIGH, Level.MEDIUM),
    Criticality.MEDIUM: (Level.MEDIUM, Level.MEDIUM),
    Criticality.LOW: (Level.LOW, Level.MEDIUM),
}
# Without any service or CI: from the alert's severity.
SEVERITY_LEVELS: dict[str, tuple[int, int]] = {
    AlertSeverity.CRITICAL: (Level.MEDIUM, Level.MEDIUM),
    AlertSeverity.WARNING: (Level.LOW, Level.MEDIUM),
    AlertSeverity.INFO: (Level.LOW, Level.LOW),
}


def wants_incident(alert: Alert, policy: AlertPolicy) -> bool:
    return policy.open_incidents and at_least(alert.severity, policy.incident_min_severity)


def impacted_services(alert: Alert) -> list[BusinessService]:
    """The alert's own service, then those its CI's outage impacts (most critical first)."""
    found: dict[int, BusinessService] = {}
    if alert.service_id and alert.service is not None:
        found[alert.service.pk] = alert.service
    if alert.configuration_item_id:
        from vigie.cmdb import impact

        for entry in impact.analyse(alert.configuration_item_id).services:
            found.setdefault(entry.service.pk, entry.service)
    return sorted(found.values(), key=lambda service: (service.criticality, service.name))


def levels_for(alert: Alert, services: list[BusinessService]) -> tuple[int, int]:
    if services:
        return CRITICALITY_LEVELS[Criticality(services[0].criticality)]
    item = alert.configuration_item
    if item is not None:
        return CRITICALITY_LEVELS[Criticality(item.criticality)]
    return SEVERITY_LEVELS.get(alert.severity, (Level.MEDIUM, Level.MEDIUM))


def _last_incident_event(alert: Alert, *kinds: str) -> AlertEvent | None:
    return AlertEvent.objects.filter(alert=alert, kind__in=kinds or INCIDENT_KINDS).order_by("-at", "-pk").first()


def _record(alert: Alert, kind: str, at: datetime, ticket: Ticket, message: str = "", **details: object) -> None:
    AlertEvent.objects.create(
        alert=alert, at=at, kind=kind, message=message[:500], details={"ticket": ticket.reference, **details}
    )


def _when(moment: datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"


def _description(alert: Alert, services: list[BusinessService]) -> str:
    lines = [alert.description.strip() or alert.summary, ""]
    lines.append(
        _("Alert raised by supervision (%(source)s) at %(at)s.") % {"source": alert.source_kind, "at": _when(alert.fired_at)}
    )
    if alert.configuration_item is not None:
        lines.append(_("Configuration item: %(item)s") % {"item": alert.configuration_item.name})
    if services:
        names = ", ".join(f"{s.name} ({s.get_criticality_display()})" for s in services)
        lines.append(_("Impacted services: %(services)s") % {"services": names})
    return "\n".join(lines)


def on_firing(alert: Alert, policy: AlertPolicy, now: datetime) -> None:
    """Open, add to or reopen the alert's incident (the alert is firing, not silenced, not flapping)."""
    if not wants_incident(alert, policy):
        return
    try:
        actor = supervision_user(alert.organization)
    except NoProvider:
        logger.warning("No provider organisation: alert %s opens no incident", alert.pk)
        return
    ticket = Ticket.objects.filter(pk=alert.ticket_id).first() if alert.ticket_id else None
    fired_at = alert.fired_at or alert.first_seen_at
    if ticket is not None and ticket.is_open:
        last = _last_incident_event(
            alert, AlertEventKind.INCIDENT_OPENED, AlertEventKind.INCIDENT_UPDATED, AlertEventKind.INCIDENT_REOPENED
        )
        new_firing = last is None or last.at < fired_at or last.details.get("ticket") != ticket.reference
        seen_again = last is not None and alert.last_seen_at > last.at and last.at <= now - NOTE_INTERVAL
        if new_firing or seen_again:
            body = _("Supervision: the alert “%(summary)s” is still firing (seen %(count)s times, last at %(at)s).") % {
                "summary": alert.summary,
                "count": alert.occurrences,
                "at": _when(alert.last_seen_at),
            }
            desk.add_comment(ticket, by=actor, body=body, internal=True, channel=Channel.MONITORING, at=now)
            _record(alert, AlertEventKind.INCIDENT_UPDATED, now, ticket)
        return
    if (
        ticket is not None
        and ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
        and ticket.resolved_at is not None
        and ticket.resolved_at >= now - timedelta(days=policy.reopen_within_days)
    ):
        desk.change_status(ticket, TicketStatus.IN_PROGRESS, by=actor, at=now)
        body = _("Supervision: the alert “%(summary)s” fired again at %(at)s; the incident is reopened.") % {
            "summary": alert.summary,
            "at": _when(fired_at),
        }
        desk.add_comment(ticket, by=actor, body=body, internal=True, channel=Channel.MONITORING, at=now)
        _record(alert, AlertEventKind.INCIDENT_REOPENED, now, ticket)
        return
    _open(alert, actor, now)


def _open(alert: Alert, actor: object, now: datetime) -> Ticket:
    from vigie.accounts.models import User

    assert isinstance(actor, User)
    services = impacted_services(alert)
    impact, urgency = levels_for(alert, services)
    ticket = desk.open_ticket(
        by=actor,
        organization=alert.organization,
        title=alert.summary[:200],
        description=_description(alert, services),
        type=TicketType.INCIDENT,
        impact=impact,
        urgency=urgency,
        channel=Channel.MONITORING,
    )
    if alert.configuration_item is not None:
        from vigie.cmdb import services as cmdb_services

        cmdb_services.link_ticket(by=actor, ticket=ticket, item=alert.configuration_item)
    alert.ticket = ticket
    alert.save(update_fields=["ticket", "updated_at"])
    _record(
        alert,
        AlertEventKind.INCIDENT_OPENED,
        now,
        ticket,
        message=ticket.reference,
        priority=ticket.priority,
        services=[service.pk for service in services],
    )
    return ticket


def human_worked_on(ticket: Ticket, actor_id: int) -> bool:
    """Whether someone other than supervision left a trace on the ticket's timeline."""
    return (
        TicketEvent.objects.filter(ticket=ticket, actor__isnull=False)
        .exclude(actor_id=actor_id)
        .exclude(kind=EventKind.EMAIL_SENT)
        .exists()
    )


def on_recovery(alert: Alert, policy: AlertPolicy, now: datetime) -> None:
    """Resolve the alert's open incident, or say on it that the alert recovered."""
    ticket = Ticket.objects.filter(pk=alert.ticket_id).first() if alert.ticket_id else None
    if ticket is None or not ticket.is_open:
        return
    resolved_at = alert.resolved_at or now
    last = _last_incident_event(alert)
    if last is not None and last.at >= resolved_at and last.details.get("recovered"):
        return  # this recovery was handled already
    try:
        actor = supervision_user(alert.organization)
    except NoProvider:
        return
    others_firing = ticket.alerts.firing().exclude(pk=alert.pk).exists()
    if policy.resolve_on_recovery and not others_firing and not human_worked_on(ticket, actor.pk):
        resolution = _("Supervision: the alert “%(summary)s” recovered at %(at)s.") % {
            "summary": alert.summary,
            "at": _when(resolved_at),
        }
        desk.change_status(ticket, TicketStatus.RESOLVED, by=actor, resolution=resolution, at=now)
        _record(alert, AlertEventKind.INCIDENT_RESOLVED, now, ticket, recovered=True)
        return
    body = _("Supervision: the alert “%(summary)s” recovered at %(at)s.") % {"summary": alert.summary, "at": _when(resolved_at)}
    desk.add_comment(ticket, by=actor, body=body, internal=True, channel=Channel.MONITORING, at=now)
    _record(alert, AlertEventKind.INCIDENT_UPDATED, now, ticket, recovered=True)
