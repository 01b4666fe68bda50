"""``vigie sla recompute``: recompute the SLA clocks of tickets from their history."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from vigie.servicedesk.models import Ticket
from vigie.sla import clocks
from vigie.tenancy.models import Organization


class Command(BaseCommand):
    help = "Service levels: recompute the clocks of tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        recompute = actions.add_parser(
            "recompute",
            help="Recompute the clocks of open tickets (or of all tickets with --all).",
            description="Recompute the SLA clocks from each ticket's status history. "
            "Clocks whose outcome came from an import are left alone.",
        )
        recompute.add_argument("--all", action="store_true", help="Finished tickets too, not only open ones.")
        recompute.add_argument("--organization", metavar="SLUG", help="Only this client's tickets.")

    def handle(self, *args: Any, **options: Any) -> None:
        tickets = Ticket.objects.all() if options["all"] else Ticket.objects.open()
        slug = options.get("organization")
        if slug:
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                raise CommandError(_("No organisation with the short name “%(slug)s”.") % {"slug": slug})
            tickets = tickets.filter(organization=organization)
        summary = clocks.recompute(tickets)
        self.stdout.write(
            _("%(tickets)s tickets recomputed (%(written)s clocks written, imported ones left alone) in %(seconds).2f s.")
            % {"tickets": summary.tickets, "written": summary.written, "seconds": summary.seconds}
        )
