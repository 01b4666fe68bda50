"""Measure the SLA recomputation of all open tickets on PostgreSQL.

    VIGIE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigie_sla_measure \\
        .venv/bin/python scripts/measure_sla_recompute.py --tickets 20000

Migrates the database, generates (once) clients with calendars (office hours with French
holidays, Moselle, Montreal, 24×7) and policies, then open tickets of the last six months with
status histories (assignments, waits for the customer, reopenings), and times
``vigie.sla.clocks.recompute_open()`` — cold (fresh process caches) then warm — beside a raw SQL
pass that reads the same rows (the floor any implementation pays). The database is reused when
it already holds the requested number of generated tickets.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigie.settings")
os.environ.setdefault("VIGIE_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "measure"))

PREFIX = "MSR"  # generated tickets' references start with it


def generate(tickets: int, clients: int, seed: int) -> None:
    from datetime import time as clock_time

    from django.db import transaction

    from vigie.servicedesk.models import EventKind, Ticket, TicketEvent, TicketStatus, TicketType
    from vigie.sla.models import BusinessCalendar, OpeningRange, SlaPolicy, SlaTarget
    from vigie.tenancy.models import Organization

    rng = random.Random(seed)
    with transaction.atomic():
        organizations = []
        for index in range(clients):
            organization, _created = Organization.objects.get_or_create(
                slug=f"measure-{index}", defaults={"name": f"Client mesuré {index}"}
            )
            organizations.append(organization)
            if SlaPolicy.objects.filter(organization=organization).exists():
                continue
            kind = index % 4
            calendar = BusinessCalendar.objects.create(
                organization=organization,
                name="Bureau",
                time_zone="America/Montreal" if kind == 2 else "Europe/Paris",
                holiday_country="CA" if kind == 2 else "FR",
                holiday_subdivision={1: "57", 2: "QC"}.get(kind, ""),
            )
            for weekday in range(5):
                OpeningRange.objects.create(calendar=calendar, weekday=weekday, start=clock_time(9), end=clock_time(12))
                OpeningRange.objects.create(calendar=calendar, weekday=weekday, start=clock_time(14), end=clock_time(18))
            around = BusinessCalendar.objects.create(organization=organization, name="24×7", is_24x7=True)
            policy = SlaPolicy.objects.create(organization=organization, name="Contrat", calendar=calendar)
            for priority, (response, resolution) in {
                1: (15, 240),
                2: (30, 480),
                3: (60, 960),
                4: (240, 2400),
                5: (480, 4800),
            }.items():
                SlaTarget.objects.create(
                    policy=policy,
                    priority=priority,
                    response_minutes=response,
                    resolution_minutes=resolution,
                    calendar=around if priority == 1 and kind == 3 else None,
                )
        Ticket.objects.filter(reference__startswith=PREFIX).delete()
        now = datetime.now(UTC)
        open_statuses = [TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_CUSTOMER]
        batch: list[Ticket] = []
        histories: list[list[tuple[datetime, str, str]]] = []
        start_number = 900_000
        for index in range(tickets):
            created = now - timedelta(seconds=rng.randrange(3600, 180 * 86400))
            history: list[tuple[datetime, str, str]] = []
            status = TicketStatus.NEW
            moment = created
            for _step in range(rng.randrange(0, 7)):
                moment = min(now, moment + timedelta(seconds=rng.randrange(600, 5 * 86400)))
                target = rng.choice([s for s in (*open_statuses, TicketStatus.RESOLVED) if s != status])
                if target == TicketStatus.NEW:
                    continue
                history.append((moment, status, target))
                status = target
            if status == TicketStatus.RESOLVED:  # reopened: open tickets only
                moment = min(now, moment + timedelta(hours=rng.randrange(1, 72)))
                history.append((moment, status, TicketStatus.IN_PROGRESS))
                status = TicketStatus.IN_PROGRESS
            number = start_number + index
            batch.append(
                Ticket(
                    organization=organizations[index % len(organizations)],
                    type=TicketType.INCIDENT,
                    number=number,
                    reference=f"{PREFIX}-{number}",
                    title="Mesure",
                    status=status,
                    priority=rng.choice([1, 2, 3, 3, 3, 4, 5]),
                    first_response_at=(created + timedelta(minutes=rng.randrange(5, 600))) if rng.random() < 0.7 else None,
                    last_activity_at=moment,
                )
            )
            histories.append(history)
        created_tickets = Ticket.objects.bulk_create(batch, batch_size=5000)
        events = []
        for ticket, history, _ in zip(created_tickets, histories, range(len(batch)), strict=True):
            events.append(TicketEvent(ticket=ticket, at=ticket.created_at, kind=EventKind.CREATED, data={}))
            for moment, old, new in history:
                events.append(TicketEvent(ticket=ticket, at=moment, kind=EventKind.STATUS, data={"old": old, "new": new}))
        TicketEvent.objects.bulk_create(events, batch_size=5000)
        # Creation times spread over six months (auto_now_add stamped them all "now").
        for ticket, history in zip(created_tickets, histories, strict=True):
            first = history[0][0] if history else now
            ticket.created_at = first - timedelta(seconds=rng.randrange(60, 3 * 86400))
        Ticket.objects.bulk_update(created_tickets, ["created_at"], batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from vigie.servicedesk.models import Ticket
    from vigie.sla import clocks

    if connection.vendor != "postgresql":
        print("Set VIGIE_DATABASE_URL to a PostgreSQL database.", file=sys.stderr)
        raise SystemExit(2)
    call_command("migrate", verbosity=0)
    if Ticket.objects.filter(reference__startswith=PREFIX).count() != arguments.tickets:
        started = time.perf_counter()
        generate(arguments.tickets, arguments.clients, arguments.seed)
        print(f"generated {arguments.tickets} open tickets in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    open_tickets = Ticket.objects.open().count()
    events = Ticket.objects.open().filter(events__kind="status").count()

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id, t.organization_id, t.status, t.priority, t.created_at, t.first_response_at, "
            "e.at, e.data->>'old', e.data->>'new' FROM servicedesk_ticket t "
            "LEFT JOIN servicedesk_ticketevent e ON e.ticket_id = t.id AND e.kind = 'status' "
            "WHERE t.status IN ('new', 'assigned', 'in_progress', 'waiting_customer', 'waiting_third_party')"
        )
        rows = len(cursor.fetchall())
    raw = time.perf_counter() - started

    print(f"open tickets: {open_tickets}, status events: {events} (raw read of {rows} rows: {raw:.2f} s)")
    for label in ("cold", "warm"):
        cpu = time.process_time()
        summary = clocks.recompute(Ticket.objects.open())
        cpu = time.process_time() - cpu
        print(
            f"recompute_open {label}: {summary.seconds:.2f} s wall, {cpu:.2f} s of Python CPU "
            f"({summary.tickets / summary.seconds:,.0f} tickets/s), {summary.written} written"
        )
    print(f"machine load (1, 5, 15 min): {os.getloadavg()}")
    started = time.perf_counter()
    changed = clocks.advance_states()
    print(f"advance_states (periodic UPDATE pass): {time.perf_counter() - started:.3f} s, {changed} clocks changed")


if __name__ == "__main__":
    main()
