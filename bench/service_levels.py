"""The service-level layer of the bench database: calendars, SLA policies, business services,
the SLA outcome of every ticket, satisfaction answers and outages.

It is added on top of the ticket history of ``bench.dataset`` (and recorded in the marker table
under its own key), so a database generated before keeps its million tickets. The history's
clocks are synthesised in SQL from each ticket's timestamps (business time approximated as the
share of a week that is office hours); the open tickets' clocks are then recomputed by the real
engine during the run, which is one of the measurements.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import time as clock_time
from typing import Any

import psycopg

LAYER_VERSION = 1
LAYER_KEY = 2  # row id in the marker table

# Targets per priority, in minutes: (response, resolution, around the clock?).
TARGETS = {
    1: (15, 240, True),
    2: (30, 480, False),
    3: (120, 1020, False),
    4: (240, 2550, False),
    5: (480, 5100, False),
}
# Office hours are 42.5 h of the 168 h of a week: the share of calendar time that counts.
BUSINESS_SHARE = 42.5 / 168
SERVICES = ("Messagerie", "ERP", "Téléphonie", "Partage de fichiers", "Site web")


@dataclass
class LayerMarker:
    version: int
    policies: int
    services: int
    ticket_slas: int
    surveys: int
    outages: int
    seconds: float


def read_layer(conn: psycopg.Connection[Any]) -> LayerMarker | None:
    from bench.dataset import MARKER_TABLE

    row = conn.execute(f"SELECT info FROM {MARKER_TABLE} WHERE id = %s", [LAYER_KEY]).fetchone()
    if not row:
        return None
    try:
        layer = LayerMarker(**row[0])
    except TypeError:
        return None
    return layer if layer.version == LAYER_VERSION else None


def _configure(client_ids: list[int], provider_id: int) -> tuple[int, int]:
    """Calendars, one policy with five targets and an escalation per client, and its services (ORM)."""
    from vigie.catalog.models import BusinessService
    from vigie.sla.models import BusinessCalendar, EscalationRule, OpeningRange, SlaPolicy, SlaTarget

    always = BusinessCalendar.objects.create(organization_id=provider_id, name="24×7", is_24x7=True, holiday_country="")
    policies = services = 0
    for position, client_id in enumerate(client_ids):
        office = BusinessCalendar.objects.create(
            organization_id=client_id,
            name="Heures ouvrées",
            holiday_subdivision="57" if position % 10 == 0 else "",
        )
        OpeningRange.objects.bulk_create(
            [
                OpeningRange(calendar=office, weekday=day, start=start, end=end)
                for day in range(5)
                for start, end in ((clock_time(8, 30), clock_time(12, 30)), (clock_time(13, 30), clock_time(18, 0)))
            ]
        )
        policy = SlaPolicy.objects.create(organization_id=client_id, name="Contrat de service", calendar=office)
        SlaTarget.objects.bulk_create(
            [
                SlaTarget(
                    policy=policy,
                    priority=priority,
                    response_minutes=response,
                    resolution_minutes=resolution,
                    calendar=always if around_the_clock else None,
                )
                for priority, (response, resolution, around_the_clock) in TARGETS.items()
            ]
        )
        EscalationRule.objects.create(policy=policy, at_percent=75)
        policies += 1
        created = BusinessService.objects.bulk_create(
            [
                BusinessService(
                    organization_id=client_id,
                    name=name,
                    criticality=1 + (position + n) % 4,
                    hourly_downtime_cost=200 + 150 * ((position * 7 + n) % 9),
                )
                for n, name in enumerate(SERVICES[: 3 + position % 3])
            ]
        )
        services += len(created)
    return policies, services


# Per-ticket SQL. A ticket's pseudo-random draws come from its id, so the layer is reproducible.
_TICKET_SLA = """
INSERT INTO sla_ticketsla (
    ticket_id, policy_id, response_target_minutes, resolution_target_minutes,
    response_elapsed_seconds, resolution_elapsed_seconds, response_state, resolution_state,
    response_met, resolution_met, resolution_paused_seconds, imported, computed_at,
    response_due_at, resolution_due_at
)
SELECT t.id, p.id, targets.response, targets.resolution, r.elapsed, s.elapsed,
    CASE WHEN t.status = 'cancelled' THEN 'none'
         WHEN r.stopped THEN CASE WHEN r.elapsed <= targets.response * 60 THEN 'met' ELSE 'missed' END
         ELSE 'running' END,
    CASE WHEN t.status = 'cancelled' THEN 'none'
         WHEN s.stopped THEN CASE WHEN s.elapsed <= targets.resolution * 60 THEN 'met' ELSE 'missed' END
         ELSE 'running' END,
    CASE WHEN t.status = 'cancelled' OR NOT r.stopped THEN NULL ELSE r.elapsed <= targets.response * 60 END,
    CASE WHEN t.status = 'cancelled' OR NOT s.stopped THEN NULL ELSE s.elapsed <= targets.resolution * 60 END,
    0, false, now(), NULL, NULL
FROM servicedesk_ticket t
JOIN sla_slapolicy p ON p.organization_id = t.organization_id
JOIN (VALUES {targets}) AS targets(priority, response, resolution, share) ON targets.priority = t.priority
CROSS JOIN LATERAL (
    SELECT t.first_response_at IS NOT NULL OR t.resolved_at IS NOT NULL AS stopped,
           LEAST(2000000000, GREATEST(0, EXTRACT(EPOCH FROM (
               COALESCE(t.first_response_at, t.resolved_at, now()) - t.created_at)) * targets.share))::integer AS elapsed
) r
CROSS JOIN LATERAL (
    SELECT t.resolved_at IS NOT NULL AS stopped,
           LEAST(2000000000, GREATEST(0, EXTRACT(EPOCH FROM (
               COALESCE(t.resolved_at, now()) - t.created_at)) * targets.share))::integer AS elapsed
) s
ON CONFLICT (ticket_id) DO NOTHING
"""

_SURVEYS = """
INSERT INTO servicedesk_satisfactionsurvey (ticket_id, recipient_id, email, sent_at, expires_at, rating, comment, answered_at)
SELECT t.id, t.requester_id, u.email, t.resolved_at, t.resolved_at + interval '14 days',
    CASE WHEN (t.id * 7919) % 100 < 35 THEN 5 WHEN (t.id * 7919) % 100 < 80 THEN 4
         WHEN (t.id * 7919) % 100 < 90 THEN 3 WHEN (t.id * 7919) % 100 < 96 THEN 2 ELSE 1 END,
    CASE WHEN (t.id * 104729) % 10 = 0 THEN 'Merci pour la rapidité.' ELSE '' END,
    t.resolved_at + interval '5 hours'
FROM servicedesk_ticket t JOIN accounts_user u ON u.id = t.requester_id
WHERE t.resolved_at IS NOT NULL AND (t.id * 2654435761) % 100 < 30
"""

# One incident in thirty of priority 1 or 2 was an outage of one of its client's services.
_OUTAGES = """
WITH ranked AS (
    SELECT s.id, s.organization_id, row_number() OVER (PARTITION BY s.organization_id ORDER BY s.id) - 1 AS n,
           count(*) OVER (PARTITION BY s.organization_id) AS total
    FROM catalog_businessservice s
)
UPDATE servicedesk_ticket t
SET service_id = ranked.id,
    outage_started_at = t.created_at,
    outage_ended_at = COALESCE(t.resolved_at, t.created_at + interval '2 hours')
FROM ranked
WHERE ranked.organization_id = t.organization_id
  AND ranked.n = t.id % ranked.total
  AND t.type = 'incident' AND t.priority <= 2 AND t.id % 30 = 0
"""


def generate(conninfo: str, *, log: Any) -> LayerMarker:
    from django.db import connection

    from bench.dataset import MARKER_TABLE
    from vigie.tenancy.models import Organization

    started = time.monotonic()
    provider_id = Organization.objects.providers().values_list("pk", flat=True).get()
    client_ids = list(Organization.objects.clients().order_by("pk").values_list("pk", flat=True))
    policies, services = _configure(client_ids, provider_id)
    connection.close()
    targets = ", ".join(
        f"({priority}, {response}, {resolution}, {1.0 if around_the_clock else BUSINESS_SHARE:.6f})"
        for priority, (response, resolution, around_the_clock) in TARGETS.items()
    )
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET synchronous_commit = off")
        slas = conn.execute(_TICKET_SLA.format(targets=targets)).rowcount
        log(f"  SLA outcome of {slas:,} tickets ({time.monotonic() - started:.0f} s)")
        surveys = conn.execute(_SURVEYS).rowcount
        outages = conn.execute(_OUTAGES).rowcount
        log(f"  {surveys:,} satisfaction answers, {outages:,} outages ({time.monotonic() - started:.0f} s)")
        conn.commit()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) sla_ticketsla, servicedesk_satisfactionsurvey, servicedesk_ticket")
        layer = LayerMarker(
            version=LAYER_VERSION,
            policies=policies,
            services=services,
            ticket_slas=slas,
            surveys=surveys,
            outages=outages,
            seconds=round(time.monotonic() - started, 1),
        )
        conn.execute(
            f"INSERT INTO {MARKER_TABLE} (id, info) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET info = EXCLUDED.info",
            [LAYER_KEY, json.dumps(asdict(layer))],
        )
    return layer
