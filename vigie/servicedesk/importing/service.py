"""``import_tickets``: a CSV export of another tool → tickets of one client, with a report of the run.

Two phases. **Check**: the mapping, the encoding, the columns and every row are read and
converted before anything is written; a fatal error (bad mapping, missing columns, an encoding
error, a malformed CSV row) raises a ``ValidationError`` and writes nothing, not even a report.
**Write**: a ``TicketImport`` records the run, then the tickets go in by batches, each batch in
its own transaction (bulk inserts and updates: no per-row service call, no notification, no
satisfaction survey, no SLA recomputation — the imported outcome is the truth). If a batch fails,
it rolls back, the report says which lines went in and which did not, and ``ImportInterrupted``
is raised; importing the same file again completes the job (a known reference is updated).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.servicedesk import permissions, workflow
from vigie.servicedesk.importing import batches
from vigie.servicedesk.importing.batches import KnownTicket
from vigie.servicedesk.importing.mapping import Mapping, load_mapping
from vigie.servicedesk.importing.reader import open_table
from vigie.servicedesk.importing.rows import ERROR, FATAL, Directory, Problem, RowConverter, TicketRow, person_key
from vigie.servicedesk.models import Category, Ticket, TicketImport
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role, TechnicianGroup

BATCH_SIZE = 5000
LOOKUP_CHUNK = 5000
MAX_REPORTED_ERRORS = 1000
T = TypeVar("T")


class ImportInterrupted(Exception):
    """A batch failed while writing: it was rolled back, and ``report`` says what went in."""

    def __init__(self, report: TicketImport, error: BaseException) -> None:
        super().__init__(str(error))
        self.report = report
        self.error = error


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Access and reference data.


def check_access(by: User, organization: Organization) -> None:
    """History goes into a client company, imported by provider staff serving it."""
    if organization.kind != OrganizationKind.CLIENT:
        raise ValidationError({"organization": [_("History is imported into a client company, not the provider.")]})
    if not permissions.serves(by, organization.pk):
        raise PermissionDenied(
            _("%(user)s does not serve %(client)s and cannot import its tickets.") % {"user": by, "client": organization.name}
        )


def _category_paths() -> dict[tuple[str, ...], int]:
    rows = {pk: (parent, name) for pk, parent, name in Category.objects.values_list("pk", "parent_id", "name")}
    paths: dict[int, tuple[str, ...]] = {}

    def path_of(pk: int, depth: int = 0) -> tuple[str, ...]:
        if pk not in paths:
            parent, name = rows[pk]
            above = path_of(parent, depth + 1) if parent is not None and depth < 50 else ()
            paths[pk] = (*above, name.casefold())
        return paths[pk]

    return {path_of(pk): pk for pk in rows}


def build_directory(organization: Organization) -> Directory:
    directory = Directory(client_name=organization.name, categories=_category_paths(), matrix=workflow.matrix())
    members = Membership.objects.filter(organization=organization).values_list(
        "user_id", "user__email", "user__first_name", "user__last_name"
    )
    for user_id, email, first, last in members:
        directory.requesters_by_email[email.lower()] = user_id
        directory.add_name(directory.requesters_by_name, directory.name_keys(first, last), user_id)
    serving_groups = TechnicianGroup.objects.filter(clients=organization)
    group_members = serving_groups.values("members")
    staff = (
        User.objects.filter(
            Q(is_superuser=True)
            | Q(
                memberships__organization__kind=OrganizationKind.PROVIDER,
                memberships__organization__is_active=True,
                memberships__role=Role.ADMIN,
            )
            | Q(pk__in=group_members, memberships__organization__kind=OrganizationKind.PROVIDER)
        )
        .distinct()
        .values_list("pk", "email", "first_name", "last_name")
    )
    for user_id, email, first, last in staff:
        directory.staff_by_email[email.lower()] = user_id
        directory.add_name(directory.staff_by_name, directory.name_keys(first, last), user_id)
    for pk, name in serving_groups.values_list("pk", "name"):
        directory.groups.setdefault(person_key(name), pk)
    return directory


def _known_tickets(organization: Organization, references: list[str]) -> dict[str, KnownTicket]:
    """The client's tickets already imported under these references. A large file reads every
    imported reference of the client in one pass rather than thousands of IN lists."""
    tickets = Ticket.objects.filter(organization=organization).exclude(external_reference="")
    wanted = set(references)
    chunks = (
        [tickets]
        if len(wanted) > LOOKUP_CHUNK
        else [tickets.filter(external_reference__in=chunk) for chunk in _chunks(references, LOOKUP_CHUNK)]
    )
    known: dict[str, KnownTicket] = {}
    for queryset in chunks:
        for external, pk, ticket_type, number, reference in queryset.values_list(
            "external_reference", "pk", "type", "number", "reference"
        ).iterator(chunk_size=10_000):
            if external in wanted:
                known[external] = KnownTicket(pk, ticket_type, number, reference)
    return known


# The check phase.


@dataclass
class Plan:
    mapping: Mapping
    rows: int
    new: list[TicketRow]
    updates: list[tuple[TicketRow, KnownTicket]]
    converter: RowConverter

    def report_entries(self) -> list[dict[str, Any]]:
        """Rejected lines (at most MAX_REPORTED_ERRORS) and warnings, in line order."""
        errors = self.converter.errors
        shown = errors[:MAX_REPORTED_ERRORS]
        entries = sorted([*shown, *self.converter.warnings.values()], key=lambda p: (p.line or 0, p.level != ERROR))
        if len(errors) > len(shown):
            entries.append(
                Problem(
                    None,
                    _("%(count)s more problems on rejected lines are not listed.") % {"count": len(errors) - len(shown)},
                )
            )
        return [problem.as_dict() for problem in entries]


def _type_kept(reference: str) -> Callable[[], str]:
    return lambda: (
        _("%(reference)s already exists as a ticket of another type; its type does not change.") % {"reference": reference}
    )


def check(organization: Organization, data: bytes, mapping: Mapping) -> Plan:
    table = open_table(data, mapping)
    converter = RowConverter(mapping, table.positions, len(table.header), build_directory(organization))
    valid: list[TicketRow] = []
    count = 0
    for line, cells in table.rows:
        count += 1
        row = converter.convert(line, cells)
        if row is not None:
            valid.append(row)
    known = _known_tickets(organization, [row.reference for row in valid])
    new = sorted((row for row in valid if row.reference not in known), key=lambda row: (row.opened_at, row.line))
    updates = []
    for row in valid:
        existing = known.get(row.reference)
        if existing is None:
            continue
        if existing.type != row.type:  # a ticket's type never changes (its reference says it)
            if "type" in mapping.fields:
                converter.warn(row.line, mapping.fields["type"], "type", existing.reference, _type_kept(existing.reference))
            row.type = existing.type
        updates.append((row, existing))
    return Plan(mapping=mapping, rows=count, new=new, updates=updates, converter=converter)


# The write phase.


def _lines(rows: Iterable[TicketRow]) -> str:
    lines = sorted(row.line for row in rows)
    return f"{lines[0]}–{lines[-1]}" if lines else "—"


def _fast_commit() -> None:
    """On PostgreSQL, a batch's commit does not wait for its WAL to reach the disk: a crash of the
    server may lose the last batches — with their counts in the report, written in the same
    transaction — never corrupt anything, and importing the file again completes the job."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _write(plan: Plan, report: TicketImport, by: User, organization: Organization, batch_size: int) -> None:
    category_ids = _category_paths()
    columns = batches.updated_columns(plan.mapping)
    now = report.started_at
    with transaction.atomic(), acting_as(by):
        batches.create_categories(plan.converter.new_categories, category_ids)
    for batch in _chunks(plan.new, batch_size):
        with transaction.atomic(), acting_as(by):
            _fast_commit()
            batches.create(batch, organization, report.filename, category_ids, now)
            TicketImport.objects.filter(pk=report.pk).update(created=F("created") + len(batch))
        report.created += len(batch)
    for pairs in _chunks(plan.updates, batch_size):
        with transaction.atomic(), acting_as(by):
            _fast_commit()
            batches.update(pairs, report.filename, category_ids, columns, now)
            TicketImport.objects.filter(pk=report.pk).update(updated=F("updated") + len(pairs))
        report.updated += len(pairs)


def _interruption(plan: Plan, report: TicketImport, error: BaseException) -> Problem:
    written = report.created + report.updated
    pending = [*plan.new[report.created :], *(row for row, _known in plan.updates[report.updated :])]
    return Problem(
        None,
        _(
            "The import stopped after %(written)s tickets: %(error)s. The batch being written was rolled back; "
            "%(pending)s tickets (lines %(lines)s) did not go in. Importing the same file again completes the import."
        )
        % {"written": written, "error": error, "pending": len(pending), "lines": _lines(pending)},
        FATAL,
    )


def import_tickets(
    *,
    by: User,
    organization: Organization,
    mapping: str | bytes | dict[str, Any] | Mapping,
    filename: str,
    csv_bytes: bytes | None = None,
    stream: IO[bytes] | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> TicketImport:
    """Import a CSV export of another tool's tickets into ``organization``.

    Give the file as ``csv_bytes`` or a binary ``stream``. Raises ``PermissionDenied`` if ``by``
    does not serve the client, ``ValidationError`` ({"mapping"|"file"|"organization": [...]}) for a
    fatal error (nothing written), ``ImportInterrupted`` if writing failed mid-way (the report is
    saved). A dry run checks everything and returns an unsaved report of what would happen.
    """
    check_access(by, organization)
    loaded = load_mapping(mapping)
    if csv_bytes is None:
        if stream is None:
            raise ValidationError({"file": [_("No file to import.")]})
        csv_bytes = stream.read()
    started = timezone.now()
    plan = check(organization, csv_bytes, loaded)
    report = TicketImport(
        organization=organization,
        by=by,
        filename=filename[:255],
        started_at=started,
        rows=plan.rows,
        errors=plan.report_entries(),
    )
    if dry_run:
        report.created, report.updated = len(plan.new), len(plan.updates)
        report.finished_at = timezone.now()
        return report
    with acting_as(by):
        report.save()
    try:
        _write(plan, report, by, organization, batch_size)
    except Exception as error:
        report.errors = [*report.errors, _interruption(plan, report, error).as_dict()]
        report.finished_at = timezone.now()
        with acting_as(by):
            report.save(update_fields=["errors", "finished_at", "created", "updated"])
        raise ImportInterrupted(report, error) from error
    report.finished_at = timezone.now()
    with acting_as(by):
        report.save(update_fields=["finished_at", "created", "updated"])
    # The imported tickets belong to closed months: their kept figures are computed again.
    from vigie.reports.tasks import refresh_monthly_figures_soon

    transaction.on_commit(refresh_monthly_figures_soon)
    return report


def rejected_count(report: TicketImport) -> int:
    """Rows that did not go in: rejected lines, and on an interrupted run those not yet written."""
    return max(report.rows - report.created - report.updated, 0)


def rejected_lines(report: TicketImport) -> list[int]:
    return sorted({int(entry["line"]) for entry in report.errors if entry.get("level") == ERROR and entry.get("line")})


def was_interrupted(report: TicketImport) -> bool:
    return any(entry.get("level") == FATAL for entry in report.errors)
