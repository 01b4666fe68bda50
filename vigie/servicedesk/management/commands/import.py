"""``vigie import tickets FILE.csv --organization SLUG --mapping MAPPING.yaml [--dry-run] [--as EMAIL]``:
import the ticket history of a client from another tool's CSV export (docs/import.md).

The import acts as a user of the provider: ``--as EMAIL`` (who must serve the client), by default
the provider's first administrator. The exit status is 0 when the import ran (rejected lines are
listed), 1 when the file could not be read at all or the import was interrupted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigie.accounts.models import User
from vigie.servicedesk.importing import ImportInterrupted, import_tickets
from vigie.servicedesk.importing.service import rejected_count, rejected_lines
from vigie.servicedesk.models import TicketImport
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role


def _read(path: str, *, mapping: bool) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        message = _("Cannot read the mapping %(path)s: %(error)s") if mapping else _("Cannot read the file %(path)s: %(error)s")
        raise CommandError(message % {"path": path, "error": error.strerror or error}) from error


def _acting_user(email: str) -> User:
    if email:
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(_("No active user has the e-mail address %(email)s.") % {"email": email})
        return user
    admin = (
        Membership.objects.filter(
            role=Role.ADMIN, organization__kind=OrganizationKind.PROVIDER, organization__is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if admin is None:
        raise CommandError(_("The provider has no administrator: create one with “vigie createadmin”, or name a user with --as."))
    return admin.user


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [f"{name}: {message}" for name, errors in error.message_dict.items() for message in errors]
    return list(error.messages)


class Command(BaseCommand):
    help = "Import history from another tool. vigie import tickets FILE.csv --organization SLUG --mapping MAPPING.yaml"

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="what", required=True, metavar="tickets")
        tickets = subparsers.add_parser("tickets", help="Import tickets from a CSV file (one row per ticket).")
        tickets.add_argument("file", help="The CSV file exported by the previous tool.")
        tickets.add_argument("--organization", required=True, help="Short name (slug) of the client company.")
        tickets.add_argument("--mapping", required=True, help="The YAML mapping of the file's columns (see docs/import/).")
        tickets.add_argument("--dry-run", action="store_true", help="Check everything and report, but write nothing.")
        tickets.add_argument(
            "--as", dest="acting_as", default="", help="E-mail of the staff member importing (default: the first administrator)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["organization"].strip()
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(_("No organisation has the short name “%(slug)s”.") % {"slug": slug})
        by = _acting_user(options["acting_as"])
        mapping = _read(options["mapping"], mapping=True)
        data = _read(options["file"], mapping=False)
        try:
            report = import_tickets(
                by=by,
                organization=organization,
                mapping=mapping,
                filename=Path(options["file"]).name,
                csv_bytes=data,
                dry_run=options["dry_run"],
            )
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            raise CommandError("\n".join(_messages(error))) from error
        except ImportInterrupted as interrupted:
            self._summary(interrupted.report, dry_run=False)
            raise CommandError(_("The import was interrupted: %(error)s") % {"error": interrupted.error}) from interrupted
        self._summary(report, dry_run=options["dry_run"])

    def _summary(self, report: TicketImport, *, dry_run: bool) -> None:
        rejected = rejected_count(report)
        headline = (
            _(
                "Dry run of %(file)s for %(client)s: %(rows)s rows, %(created)s would be created, %(updated)s updated, %(rejected)s rejected."
            )
            if dry_run
            else _(
                "%(file)s imported into %(client)s: %(rows)s rows, %(created)s created, %(updated)s updated, %(rejected)s rejected."
            )
        )
        values = {
            "file": report.filename,
            "client": report.organization.name,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "rejected": rejected,
        }
        self.stdout.write(headline % values)
        lines = rejected_lines(report)
        if lines:
            self.stdout.write(_("Rejected lines: %(lines)s") % {"lines": ", ".join(str(line) for line in lines)})
        for entry in report.errors:
            self.stdout.write("  " + _entry_text(entry))
        if report.pk:
            self.stdout.write(_("Report #%(id)s (GET /api/v1/imports/%(id)s/).") % {"id": report.pk})


def _entry_text(entry: dict[str, Any]) -> str:
    level = {"error": _("rejected"), "warning": _("warning"), "fatal": _("stopped")}.get(str(entry.get("level")), "")
    where = _("line %(line)s") % {"line": entry["line"]} if entry.get("line") else ""
    if entry.get("lines", 1) > 1:
        others = entry["lines"] - 1
        where += " " + ngettext("(and %(count)s other line)", "(and %(count)s other lines)", others) % {"count": others}
    about = " / ".join(str(entry[name]) for name in ("reference", "field", "column") if entry.get(name))
    parts = [part for part in (where, level, f"[{about}]" if about else "") if part]
    return f"{' '.join(parts)}: {entry.get('message', '')}"
