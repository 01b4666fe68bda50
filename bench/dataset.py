"""Generation of the bench database: organisations, people, and a large ticket history.

Small tables (organisations, sites, users, memberships, groups, categories) go through
the ORM; the three big tables (tickets, comments, timeline events) are streamed with
PostgreSQL ``COPY`` on three connections at once, with their indexes and constraints
dropped during the load and rebuilt afterwards (exactly as they were, from the
catalogue's own definitions), then ``VACUUM ANALYZE``.

A marker row (table ``bench_dataset``) records what was generated; a later run asking
for the same size reuses the database after deleting what the previous run added.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.db import models

from bench.vocabulary import (
    CITIES,
    COMPANY_KINDS,
    FIRST_NAMES,
    FUNCTION_WORDS,
    LAST_NAMES,
    RESOLUTIONS,
    SUPPORT_WORDS,
    TITLES_INCIDENT,
    TITLES_REQUEST,
    Vocabulary,
)

GENERATOR_VERSION = 4
MARKER_TABLE = "bench_dataset"
BIG_TABLES = ("servicedesk_ticket", "servicedesk_comment", "servicedesk_ticketevent")
BENCH_PASSWORD = "bench-password-2026"
SEED = 2026
YEARS = 3
CHUNK = 5_000

Log = Callable[[str], None]


@dataclass
class Marker:
    """What a generated database holds (stored as JSON in ``bench_dataset``)."""

    version: int
    tickets: int
    comments: int
    events: int
    max_ids: dict[str, int]
    counters: dict[str, int]
    technician_email: str
    admin_email: str
    clients: int
    seconds: dict[str, float] = field(default_factory=dict)
    generated_at: str = ""


# --------------------------------------------------------------------------- marker


def read_marker(conn: psycopg.Connection[Any]) -> Marker | None:
    exists = conn.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()
    if not exists or exists[0] is None:
        return None
    row = conn.execute(f"SELECT info FROM {MARKER_TABLE} WHERE id = 1").fetchone()
    if not row:
        return None
    try:
        return Marker(**row[0])
    except TypeError:
        return None


def write_marker(conn: psycopg.Connection[Any], marker: Marker) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id integer PRIMARY KEY, info jsonb NOT NULL)")
    conn.execute(
        f"INSERT INTO {MARKER_TABLE} (id, info) VALUES (1, %s) ON CONFLICT (id) DO UPDATE SET info = EXCLUDED.info",
        [json.dumps(asdict(marker))],
    )


# --------------------------------------------------------------------------- people


@dataclass
class People:
    provider_id: int
    client_ids: list[int]
    client_cumulative_weights: list[float]
    employees: dict[int, list[tuple[int, str]]]
    sites: dict[int, list[int]]
    groups: dict[int, list[tuple[int, list[tuple[int, str]]]]]
    categories: list[int | None]
    matrix: dict[tuple[int, int], int]
    technician_email: str
    admin_email: str


def _slug(text: str) -> str:
    table = str.maketrans("éèêëàâîïôöûüç", "eeeeaaiioouuc")
    return "".join(c if c.isalnum() else "-" for c in text.lower().translate(table)).strip("-")


def build_people(rng: random.Random, *, clients: int = 50, technicians: int = 40, groups: int = 8) -> People:
    """Provider, clients with sites and employees, technicians in groups, categories (ORM, bulk)."""
    from django.contrib.auth.hashers import make_password

    from vigie.accounts.models import User
    from vigie.servicedesk.demo import CATEGORIES
    from vigie.servicedesk.models import Category
    from vigie.servicedesk.workflow import matrix
    from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role, Site, TechnicianGroup

    password = make_password(BENCH_PASSWORD)
    provider = Organization.objects.create(kind=OrganizationKind.PROVIDER, name="Infogérance Bench", slug="bench-provider")
    client_rows = []
    for index in range(clients):
        name = f"{COMPANY_KINDS[index % len(COMPANY_KINDS)]} {LAST_NAMES[index % len(LAST_NAMES)]} {index + 1:02d}"
        client_rows.append(
            Organization(
                kind=OrganizationKind.CLIENT,
                name=name,
                slug=f"client-{index + 1:02d}",
                support_email=f"support-client-{index + 1:02d}@bench.vigie.test",
                email_domains=f"client{index + 1:02d}.test",
            )
        )
    client_objects = Organization.objects.bulk_create(client_rows)
    # A few big clients, many small ones (Zipf), as in a real provider's portfolio.
    weights = [1.0 / (rank**0.9) for rank in range(1, clients + 1)]
    rng.shuffle(weights)
    sites = [
        Site(organization=client, name=f"Site {n + 1}", city=rng.choice(CITIES))
        for client in client_objects
        for n in range(rng.randint(1, 3))
    ]
    Site.objects.bulk_create(sites)

    users: list[User] = []
    memberships: list[tuple[int, str, str]] = []  # (user index, organization, role)

    def add_user(email: str, organization_id: int, role: str, **extra: Any) -> int:
        users.append(
            User(
                email=email,
                password=password,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                language="en",
                **extra,
            )
        )
        memberships.append((len(users) - 1, str(organization_id), role))
        return len(users) - 1

    admin_index = add_user("admin@bench-provider.test", provider.pk, Role.ADMIN)
    tech_indexes = [add_user(f"tech{n + 1:02d}@bench-provider.test", provider.pk, Role.TECHNICIAN) for n in range(technicians)]
    employee_indexes: dict[int, list[int]] = {}
    biggest = max(weights)
    for client, weight in zip(client_objects, weights, strict=True):
        size = max(6, int(120 * weight / biggest))
        indexes = []
        for n in range(size):
            role = Role.CLIENT_MANAGER if n == 0 else Role.IT_CONTACT if n == 1 else Role.REQUESTER
            indexes.append(add_user(f"user{n + 1:03d}@{client.slug}.test", client.pk, role))
        employee_indexes[client.pk] = indexes
    created_users = User.objects.bulk_create(users, batch_size=1000)
    Membership.objects.bulk_create(
        [Membership(user=created_users[i], organization_id=int(org), role=role) for i, org, role in memberships],
        batch_size=1000,
    )

    # Groups: technicians split over the groups (a few in two); client i is served by
    # group i % groups, and a third of the clients by a second group.
    group_objects = TechnicianGroup.objects.bulk_create(
        [TechnicianGroup(organization=provider, name=f"Support {n + 1}") for n in range(groups)]
    )
    members: dict[int, list[int]] = {n: [] for n in range(groups)}
    for position, tech_index in enumerate(tech_indexes):
        members[position % groups].append(tech_index)
        if position % 5 == 0:
            members[(position + 3) % groups].append(tech_index)
    # The bench technician (tech01) belongs to groups 0, 1 and 2: they serve about 40 % of the clients.
    for extra_group in (1, 2):
        if tech_indexes[0] not in members[extra_group]:
            members[extra_group].append(tech_indexes[0])
    client_through = TechnicianGroup.clients.through
    for n, group in enumerate(group_objects):
        group.members.add(*[created_users[i] for i in members[n]])
    served: dict[int, list[int]] = {}
    for index, client in enumerate(client_objects):
        serving = [index % groups]
        if index % 3 == 0:
            serving.append((index + 1) % groups)
        served[client.pk] = serving
    client_through.objects.bulk_create(
        [
            client_through(techniciangroup_id=group_objects[n].pk, organization_id=client_pk)
            for client_pk, serving in served.items()
            for n in serving
        ]
    )

    category_ids: list[int | None] = [None]
    for parent_name, children in CATEGORIES.items():
        parent = Category.objects.create(name=parent_name)
        if not children:
            category_ids.append(parent.pk)
        for child_name in children:
            category_ids.append(Category.objects.create(name=child_name, parent=parent).pk)

    site_map: dict[int, list[int]] = {}
    for site in sites:
        site_map.setdefault(site.organization_id, []).append(site.pk)
    return People(
        provider_id=provider.pk,
        client_ids=[c.pk for c in client_objects],
        client_cumulative_weights=list(itertools.accumulate(weights)),
        employees={
            client_pk: [(created_users[i].pk, created_users[i].email) for i in indexes]
            for client_pk, indexes in employee_indexes.items()
        },
        sites=site_map,
        groups={
            client_pk: [
                (group_objects[n].pk, [(created_users[i].pk, created_users[i].email) for i in members[n]]) for n in serving
            ]
            for client_pk, serving in served.items()
        },
        categories=category_ids,
        matrix={(int(i), int(u)): int(p) for (i, u), p in matrix().items()},
        technician_email=created_users[tech_indexes[0]].email,
        admin_email=created_users[admin_index].email,
    )


# --------------------------------------------------------------------------- COPY layout


def _copy_text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_layout(model: type[models.Model], generated: Sequence[str]) -> tuple[str, str]:
    """The ``COPY`` column list for ``model`` and the constant text of the columns the generator
    does not produce (their model default), so that a field added later does not break the bench."""
    columns = {f.column: f for f in model._meta.concrete_fields}
    unknown = [c for c in generated if c not in columns]
    if unknown:
        raise RuntimeError(
            f"{model._meta.db_table}: the bench generator writes unknown columns {unknown}; update bench/dataset.py"
        )
    extra_columns: list[str] = []
    extra_values: list[str] = []
    for column, model_field in columns.items():
        if column in generated:
            continue
        if model_field.has_default():
            value = model_field.get_default()
        elif model_field.null:
            value = None
        elif isinstance(model_field, models.CharField | models.TextField):
            value = ""
        else:
            raise RuntimeError(f"{model._meta.db_table}.{column} has no default: teach bench/dataset.py to fill it")
        extra_columns.append(column)
        extra_values.append(_copy_text(value))
    column_list = ", ".join(f'"{c}"' for c in [*generated, *extra_columns])
    suffix = "".join("\t" + v for v in extra_values)
    return f"COPY {model._meta.db_table} ({column_list}) FROM STDIN", suffix


TICKET_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "organization_id",
    "type",
    "number",
    "reference",
    "title",
    "description",
    "status",
    "impact",
    "urgency",
    "priority",
    "category_id",
    "requester_id",
    "site_id",
    "assignee_id",
    "group_id",
    "channel",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "resolution",
    "reopen_count",
    "reassignment_count",
    "last_activity_at",
    "search_text",
    "public_message_count",
    "waited_for_customer",
)
COMMENT_COLUMNS = ("id", "ticket_id", "author_id", "author_email", "body", "is_internal", "channel", "created_at")
EVENT_COLUMNS = ("id", "ticket_id", "at", "actor_id", "kind", "is_internal", "data", "comment_id")


# --------------------------------------------------------------------------- ticket history

HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 10, 30, 45, 45, 40, 25, 30, 40, 40, 35, 25, 12, 6, 3, 2, 1, 1)
HOUR_CUMULATIVE = list(itertools.accumulate(HOUR_WEIGHTS))
LEVELS = (1, 2, 3)
IMPACT_CUMULATIVE = list(itertools.accumulate((12, 48, 40)))
URGENCY_CUMULATIVE = list(itertools.accumulate((18, 50, 32)))
CHANNELS = ("portal", "email", "phone", "api", "staff")
CHANNEL_CUMULATIVE = list(itertools.accumulate((42, 38, 12, 5, 3)))
RECENT_STATES = ("closed", "resolved", "cancelled", "in_progress", "assigned", "waiting_customer", "waiting_third_party", "new")
RECENT_CUMULATIVE = list(itertools.accumulate((45, 14, 4, 11, 8, 6, 4, 8)))
OLD_STATES = ("closed", "cancelled", "resolved")
OLD_CUMULATIVE = list(itertools.accumulate((93, 5, 2)))
NULL = r"\N"


def creation_times(rng: random.Random, count: int, start: float, end: float) -> list[float]:
    """Sorted opening times over the period: volume growing over time, office hours, few weekends."""
    span_days = (end - start) / 86400
    times = []
    for _ in range(count):
        position = -1 + math.sqrt(1 + 3 * rng.random())  # density ∝ 1 + t: the business grows
        day = math.floor(position * span_days)
        hour = rng.choices(range(24), cum_weights=HOUR_CUMULATIVE)[0] + rng.random()
        moment = start + day * 86400 + hour * 3600
        weekday = (math.floor(moment / 86400) + 3) % 7  # 0 = Monday
        if weekday >= 5 and rng.random() < 0.85:
            moment -= (weekday - 4) * 86400
        times.append(min(max(moment, start), end - 600))
    times.sort()
    return times


def _stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


@dataclass
class HistoryCounts:
    tickets: int = 0
    comments: int = 0
    events: int = 0
    numbers: dict[str, int] = field(default_factory=lambda: {"incident": 0, "request": 0})


def generate_history(
    people: People,
    vocab: Vocabulary,
    rng: random.Random,
    times: Sequence[float],
    now: float,
    suffixes: tuple[str, str, str],
    counts: HistoryCounts,
) -> Any:
    """Yield chunks of COPY text (tickets, comments, events) for tickets opened at ``times``."""
    ticket_suffix, comment_suffix, event_suffix = suffixes
    rare = vocab.words[len(FUNCTION_WORDS) + len(SUPPORT_WORDS) :]
    clients = people.client_ids
    client_cumulative = people.client_cumulative_weights
    client_total = client_cumulative[-1]
    tickets_out: list[str] = []
    comments_out: list[str] = []
    events_out: list[str] = []
    comment_id = counts.comments
    event_id = counts.events
    numbers = counts.numbers
    for ticket_id, created in enumerate(times, start=counts.tickets + 1):
        client = clients[bisect.bisect(client_cumulative, rng.random() * client_total)]
        is_request = rng.random() < 0.35
        ticket_type = "request" if is_request else "incident"
        numbers[ticket_type] += 1
        number = numbers[ticket_type]
        reference = f"{'REQ' if is_request else 'INC'}-{number:06d}"
        title = rng.choice(TITLES_REQUEST if is_request else TITLES_INCIDENT)
        if rng.random() < 0.3:
            title = f"{title} – {rng.choice(rare)}"
        description = vocab.text(rng, rng.randint(1, 4))
        age_days = (now - created) / 86400
        if age_days > 30:
            status = OLD_STATES[bisect.bisect(OLD_CUMULATIVE, rng.random() * OLD_CUMULATIVE[-1])]
        else:
            status = RECENT_STATES[bisect.bisect(RECENT_CUMULATIVE, rng.random() * RECENT_CUMULATIVE[-1])]
        impact = LEVELS[bisect.bisect(IMPACT_CUMULATIVE, rng.random() * IMPACT_CUMULATIVE[-1])]
        urgency = LEVELS[bisect.bisect(URGENCY_CUMULATIVE, rng.random() * URGENCY_CUMULATIVE[-1])]
        priority = people.matrix[(impact, urgency)]
        category = rng.choice(people.categories)
        requester_id, requester_email = rng.choice(people.employees[client])
        site_choices = people.sites.get(client)
        site = rng.choice(site_choices) if site_choices and rng.random() < 0.8 else None
        group_id, group_members = rng.choice(people.groups[client])
        unassigned = status == "new" or (status == "cancelled" and rng.random() < 0.5)
        assignee = None if unassigned else rng.choice(group_members)
        group = group_id if assignee is not None or rng.random() < 0.3 else None
        channel = CHANNELS[bisect.bisect(CHANNEL_CUMULATIVE, rng.random() * CHANNEL_CUMULATIVE[-1])]

        resolved_at: float | None = None
        closed_at: float | None = None
        if status in ("resolved", "closed"):
            hours = min(24 * 20, rng.lognormvariate(math.log(6), 1.2))
            resolved_at = min(created + 600 + hours * 3600, now - 120)
            if status == "closed":
                closed_at = min(resolved_at + rng.uniform(1, 5) * 86400, now - 60)
        elif status == "cancelled":
            closed_at = min(created + rng.uniform(0.1, 48) * 3600, now - 60)
        end = closed_at or resolved_at or now
        if status == "new":
            comment_count = 1 if rng.random() < 0.3 else 0
        elif status == "cancelled":
            comment_count = rng.randint(0, 2)
        else:
            comment_count = max(1, min(12, round(rng.gauss(5.8, 2.0))))
        low = created + 300
        comment_times = sorted(rng.uniform(low, max(low + 60, end - 60)) for _ in range(comment_count))

        actor = requester_id if channel in ("portal", "email") or assignee is None else assignee[0]
        event_id += 1
        events_out.append(
            f'{event_id}\t{ticket_id}\t{_stamp(created)}\t{actor}\tcreated\tf\t{{"channel": "{channel}"}}\t{NULL}{event_suffix}\n'
        )
        last_activity = created
        if assignee is not None:
            event_id += 1
            at = _stamp(min(created + rng.uniform(120, 3600), end))
            events_out.append(
                f'{event_id}\t{ticket_id}\t{at}\t{assignee[0]}\tstatus\tf\t{{"old": "new", "new": "assigned"}}\t{NULL}{event_suffix}\n'
            )

        first_response: float | None = None
        public_bodies: list[str] = []
        for position, moment in enumerate(comment_times):
            staff_turn = assignee is not None and position % 2 == 0
            internal = staff_turn and rng.random() < 0.25
            author_id, author_email = assignee if staff_turn and assignee is not None else (requester_id, requester_email)
            body = vocab.text(rng, rng.randint(1, 3))
            comment_id += 1
            event_id += 1
            stamp = _stamp(moment)
            comment_channel = "staff" if staff_turn else ("email" if channel == "email" else "portal")
            comments_out.append(
                f"{comment_id}\t{ticket_id}\t{author_id}\t{author_email}\t{body}\t{'t' if internal else 'f'}\t{comment_channel}\t{stamp}{comment_suffix}\n"
            )
            kind = "note" if internal else "reply"
            events_out.append(
                f"{event_id}\t{ticket_id}\t{stamp}\t{author_id}\t{kind}\t{'t' if internal else 'f'}\t{{}}\t{comment_id}{event_suffix}\n"
            )
            if not internal:
                public_bodies.append(body)
                if staff_turn and first_response is None:
                    first_response = moment
            last_activity = moment

        resolution = ""
        staff_actor = assignee[0] if assignee is not None else NULL
        if status in ("in_progress", "waiting_customer", "waiting_third_party"):
            event_id += 1
            at_moment = comment_times[0] if comment_times else created + 600
            events_out.append(
                f'{event_id}\t{ticket_id}\t{_stamp(at_moment)}\t{staff_actor}\tstatus\tf\t{{"old": "assigned", "new": "{status}"}}\t{NULL}{event_suffix}\n'
            )
        if resolved_at is not None:
            resolution = rng.choice(RESOLUTIONS)
            event_id += 1
            events_out.append(
                f'{event_id}\t{ticket_id}\t{_stamp(resolved_at)}\t{staff_actor}\tstatus\tf\t{{"old": "in_progress", "new": "resolved", "resolution": "{resolution}"}}\t{NULL}{event_suffix}\n'
            )
            last_activity = max(last_activity, resolved_at)
        if closed_at is not None:
            old = "resolved" if status == "closed" else "new"
            event_id += 1
            events_out.append(
                f'{event_id}\t{ticket_id}\t{_stamp(closed_at)}\t{staff_actor}\tstatus\tf\t{{"old": "{old}", "new": "{status}"}}\t{NULL}{event_suffix}\n'
            )
            last_activity = max(last_activity, closed_at)

        search_text = "\\n".join([reference, title, description, *public_bodies])
        reopen_count = 1 if resolved_at is not None and rng.random() < 0.03 else 0
        reassignment_count = 0 if assignee is None or rng.random() < 0.85 else rng.randint(1, 2)
        created_stamp = _stamp(created)
        activity_stamp = _stamp(last_activity)
        tickets_out.append(
            "\t".join(
                (
                    str(ticket_id),
                    created_stamp,
                    activity_stamp,
                    str(client),
                    ticket_type,
                    str(number),
                    reference,
                    title,
                    description,
                    status,
                    str(impact),
                    str(urgency),
                    str(priority),
                    NULL if category is None else str(category),
                    str(requester_id),
                    NULL if site is None else str(site),
                    NULL if assignee is None else str(assignee[0]),
                    NULL if group is None else str(group),
                    channel,
                    NULL if first_response is None else _stamp(first_response),
                    NULL if resolved_at is None else _stamp(resolved_at),
                    NULL if closed_at is None else _stamp(closed_at),
                    resolution,
                    str(reopen_count),
                    str(reassignment_count),
                    activity_stamp,
                    search_text,
                    str(len(public_bodies)),
                    "t" if status == "waiting_customer" else "f",
                )
            )
            + ticket_suffix
            + "\n"
        )
        if len(tickets_out) >= CHUNK:
            counts.tickets, counts.comments, counts.events = ticket_id, comment_id, event_id
            yield "".join(tickets_out), "".join(comments_out), "".join(events_out)
            tickets_out, comments_out, events_out = [], [], []
    if tickets_out:
        counts.tickets, counts.comments, counts.events = counts.tickets + len(tickets_out), comment_id, event_id
        yield "".join(tickets_out), "".join(comments_out), "".join(events_out)


# --------------------------------------------------------------------------- indexes and constraints


@dataclass
class SchemaObjects:
    keys: list[tuple[str, str, str]]  # (table, constraint, definition): primary keys and unique constraints
    foreign_keys: list[tuple[str, str, str]]
    indexes: list[tuple[str, str]]  # (index name, CREATE INDEX statement)


def capture_schema(conn: psycopg.Connection[Any], tables: Sequence[str]) -> SchemaObjects:
    regclasses = list(tables)
    constraints = conn.execute(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype IN ('p', 'u', 'f') AND (conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[])) "
        "ORDER BY conname",
        [regclasses, regclasses],
    ).fetchall()
    keys = [(t, n, d) for t, n, kind, d in constraints if kind in ("p", "u") and t in tables]
    foreign_keys = [(t, n, d) for t, n, kind, d in constraints if kind == "f"]
    indexes = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))"
        "ORDER BY 1",
        [regclasses],
    ).fetchall()
    return SchemaObjects(keys=keys, foreign_keys=foreign_keys, indexes=[(n, d) for n, d in indexes])


def drop_schema_objects(conn: psycopg.Connection[Any], objects: SchemaObjects) -> None:
    from psycopg import sql

    for table, name, _definition in objects.foreign_keys:
        conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.SQL(table), sql.Identifier(name)))
    for table, name, _definition in objects.keys:
        conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.SQL(table), sql.Identifier(name)))
    for name, _statement in objects.indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(name)))


def rebuild_schema_objects(conninfo: str, objects: SchemaObjects, log: Log) -> None:
    """Keys first, then the indexes on two connections (the GIN index alone on one), then foreign keys."""
    from psycopg import sql

    def connect() -> psycopg.Connection[Any]:
        conn = psycopg.connect(conninfo, autocommit=True)
        conn.execute("SET maintenance_work_mem = '1GB'")
        return conn

    with connect() as conn:
        for table, name, definition in objects.keys:
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(sql.SQL(table), sql.Identifier(name)) + sql.SQL(definition)
            )
    log(f"  primary keys and unique constraints rebuilt ({len(objects.keys)})")
    slow = [statement for _name, statement in objects.indexes if " USING gin " in statement]
    fast = [statement for _name, statement in objects.indexes if " USING gin " not in statement]
    errors: list[BaseException] = []

    def run(statements: list[str]) -> None:
        try:
            with connect() as conn:
                for statement in statements:
                    conn.execute(statement.encode())
        except BaseException as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=run, args=(group,)) for group in (slow, fast) if group]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    log(f"  indexes rebuilt ({len(objects.indexes)}, of which {len(slow)} full-text)")
    with connect() as conn:
        for table, name, definition in objects.foreign_keys:
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(sql.SQL(table), sql.Identifier(name)) + sql.SQL(definition)
            )
    log(f"  foreign keys rebuilt and checked ({len(objects.foreign_keys)})")


# --------------------------------------------------------------------------- the whole generation


def generate(conninfo: str, *, tickets: int, log: Log) -> Marker:
    """Fill an empty, migrated database with ``tickets`` tickets and their history."""
    from django.db import connection

    from vigie.core.models import AuditEntry
    from vigie.servicedesk import numbering
    from vigie.servicedesk.models import Comment, Ticket, TicketEvent

    seconds: dict[str, float] = {}
    started = time.monotonic()
    rng = random.Random(SEED)
    people = build_people(rng)
    vocab = Vocabulary(rng)
    seconds["people_and_vocabulary"] = time.monotonic() - started
    log(f"  organisations, users, groups, categories and vocabulary ready ({seconds['people_and_vocabulary']:.1f} s)")

    now = time.time()
    times = creation_times(rng, tickets, now - YEARS * 365.25 * 86400, now)
    ticket_copy, ticket_suffix = copy_layout(Ticket, TICKET_COLUMNS)
    comment_copy, comment_suffix = copy_layout(Comment, COMMENT_COLUMNS)
    event_copy, event_suffix = copy_layout(TicketEvent, EVENT_COLUMNS)
    connection.close()

    with psycopg.connect(conninfo, autocommit=True) as admin:
        objects = capture_schema(admin, BIG_TABLES)
        drop_schema_objects(admin, objects)
    log(
        f"  dropped {len(objects.keys)} keys, {len(objects.foreign_keys)} foreign keys and {len(objects.indexes)} indexes for the load"
    )

    phase = time.monotonic()
    counts = HistoryCounts()
    connections = [psycopg.connect(conninfo) for _ in range(3)]
    try:
        for conn in connections:
            conn.execute("SET synchronous_commit = off")
        cursors = [conn.cursor() for conn in connections]
        with (
            cursors[0].copy(ticket_copy) as tickets_copy,
            cursors[1].copy(comment_copy) as comments_copy,
            cursors[2].copy(event_copy) as events_copy,
        ):
            next_report = 100_000
            for ticket_text, comment_text, event_text in generate_history(
                people, vocab, rng, times, now, (ticket_suffix, comment_suffix, event_suffix), counts
            ):
                tickets_copy.write(ticket_text)
                comments_copy.write(comment_text)
                events_copy.write(event_text)
                if counts.tickets >= next_report:
                    elapsed = time.monotonic() - phase
                    log(
                        f"  {counts.tickets:>9,} tickets, {counts.comments:>10,} comments, {counts.events:>10,} events ({elapsed:.0f} s)"
                    )
                    next_report += 100_000
        for conn in connections:
            conn.commit()
    finally:
        for conn in connections:
            conn.close()
    seconds["copy"] = time.monotonic() - phase
    log(f"  loaded {counts.tickets:,} tickets, {counts.comments:,} comments, {counts.events:,} events in {seconds['copy']:.0f} s")

    phase = time.monotonic()
    rebuild_schema_objects(conninfo, objects, log)
    seconds["indexes"] = time.monotonic() - phase

    phase = time.monotonic()
    with psycopg.connect(conninfo, autocommit=True) as admin:
        for table in BIG_TABLES:
            admin.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))")
        for ticket_type, last in counts.numbers.items():
            numbering.restart_after(ticket_type, last)
        connection.close()
        admin.execute("VACUUM (ANALYZE) " + ", ".join(BIG_TABLES))
        admin.execute("ANALYZE")
    seconds["vacuum_analyze"] = time.monotonic() - phase
    log(f"  vacuum and analyze done ({seconds['vacuum_analyze']:.0f} s)")
    seconds["total"] = time.monotonic() - started
    return Marker(
        version=GENERATOR_VERSION,
        tickets=counts.tickets,
        comments=counts.comments,
        events=counts.events,
        max_ids={
            "servicedesk_ticket": counts.tickets,
            "servicedesk_comment": counts.comments,
            "servicedesk_ticketevent": counts.events,
            "core_auditentry": AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        },
        counters=dict(counts.numbers),
        technician_email=people.technician_email,
        admin_email=people.admin_email,
        clients=len(people.client_ids),
        seconds={k: round(v, 1) for k, v in seconds.items()},
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


# --------------------------------------------------------------------------- re-runs


def delete_where(conn: psycopg.Connection[Any], table: str, condition: str, depth: int = 0) -> int:
    """Delete rows of ``table`` matching ``condition`` and, first, the rows referencing them."""
    if depth > 5:
        raise RuntimeError(f"foreign keys nest too deep under {table}")
    references = conn.execute(
        "SELECT c.conrelid::regclass::text, a.attname, pa.attname FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND c.confrelid = %s::regclass",
        [table],
    ).fetchall()
    for child, column, parent_column in references:
        if child == table:
            continue
        delete_where(conn, child, f"{column} IN (SELECT {parent_column} FROM {table} WHERE {condition})", depth + 1)
    cursor = conn.execute(f"DELETE FROM {table} WHERE {condition}")
    return cursor.rowcount


def reset_to_marker(conninfo: str, marker: Marker) -> dict[str, int]:
    """Remove what earlier bench runs added (tickets created through the API, sessions, tokens)."""
    from vigie.servicedesk import numbering

    deleted: dict[str, int] = {}
    with psycopg.connect(conninfo) as conn:
        for table in ("servicedesk_ticketevent", "servicedesk_comment", "servicedesk_ticket", "core_auditentry"):
            deleted[table] = delete_where(conn, table, f"id > {int(marker.max_ids.get(table, 0))}")
        for ticket_type, last in marker.counters.items():
            conn.execute("UPDATE servicedesk_ticketcounter SET last_number = %s WHERE type = %s", [last, ticket_type])
            conn.execute("SELECT setval(%s, %s, false)", [numbering.sequence_name(ticket_type), last + 1])
        conn.execute("DELETE FROM django_session")
        conn.execute("DELETE FROM accounts_apitoken WHERE name = 'bench'")
        conn.commit()
    return deleted
