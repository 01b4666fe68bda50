"""``vigie cmdb import FILE --organization SLUG`` and ``vigie cmdb export --organization SLUG``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.cmdb import transfer
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role


class Command(BaseCommand):
    help = "Configuration items: import or export a client's CMDB as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importing = actions.add_parser("import", help="Import configuration items from a CSV file (all or nothing).")
        importing.add_argument("file", help="UTF-8 CSV file with the columns of the export.")
        importing.add_argument("--organization", metavar="SLUG", required=True, help="The client's short name.")
        importing.add_argument("--dry-run", action="store_true", help="Check every line, write nothing.")
        importing.add_argument(
            "--as", dest="actor", metavar="EMAIL", help="Who the audit trail names (default: a provider administrator)."
        )
        exporting = actions.add_parser("export", help="Write a client's configuration items as CSV.")
        exporting.add_argument("--organization", metavar="SLUG", required=True, help="The client's short name.")
        exporting.add_argument("--output", metavar="FILE", help="Default: standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["organization"], kind=OrganizationKind.CLIENT).first()
        if organization is None:
            raise CommandError(_("No client with the short name “%(slug)s”.") % {"slug": options["organization"]})
        if options["action"] == "export":
            text = transfer.export_csv(organization)
            if options.get("output"):
                Path(options["output"]).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        actor = self._actor(options.get("actor"))
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": options["file"], "reason": error.strerror}
            ) from error
        report = transfer.import_csv(by=actor, organization=organization, data=data, dry_run=options["dry_run"])
        for message in report.file_errors:
            self.stderr.write(message)
        for line_error in report.line_errors:
            self.stderr.write(
                _("line %(line)d: %(reasons)s") % {"line": line_error.line, "reasons": " ".join(line_error.messages)}
            )
        if not report.ok:
            raise CommandError(_("Nothing was imported."))
        if report.dry_run:
            message = _("Check passed: %(created)d configuration items to create, %(updated)d to update; nothing written.")
        else:
            message = _("%(created)d configuration items created, %(updated)d updated.")
        self.stdout.write(message % {"created": report.created, "updated": report.updated})

    def _actor(self, email: str | None) -> User:
        if email:
            user = User.objects.filter(email__iexact=email, is_active=True).first()
            if user is None:
                raise CommandError(_("No active user with the address “%(email)s”.") % {"email": email})
            return user
        admin = (
            User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
            or User.objects.filter(
                is_active=True,
                pk__in=Membership.objects.filter(role=Role.ADMIN, organization__kind=OrganizationKind.PROVIDER).values("user_id"),
            )
            .order_by("pk")
            .first()
        )
        if admin is None:
            raise CommandError(_("No provider administrator to act as; name one with --as."))
        return admin
