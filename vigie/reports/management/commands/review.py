"""``vigie review send``: e-mail the monthly service reviews now, as the 1st-of-the-month schedule does."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vigie.reports import delivery
from vigie.reports.periods import Month
from vigie.tenancy.models import Organization

MESSAGES = {
    "sent": "sent to {recipients}",
    "already_sent": "already sent (use --force to send it again)",
    "no_recipient": "no active client manager to send it to",
    "busy": "being sent by another run right now",
    "refused": "refused by the mail server for every recipient",
}


class Command(BaseCommand):
    help = "Monthly service reviews: e-mail them to the client managers (each client and month once)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        send = actions.add_parser("send", help="Render last month's review (or --month) as PDF and e-mail it.")
        send.add_argument("--month", help="The month reviewed, as YYYY-MM (default: last month).")
        send.add_argument(
            "--organization", metavar="SLUG", help="Only this client (default: every active client with a manager)."
        )
        send.add_argument("--force", action="store_true", help="Send again even if this month's review was already sent.")

    def handle(self, *args: Any, **options: Any) -> None:
        month = self._month(options.get("month"))
        clients = self._clients(options.get("organization"))
        failures = 0
        for organization in clients:
            try:
                result = delivery.send_review(organization, month, force=options["force"])
            except delivery.ReviewDeferred as error:
                failures += 1
                self.stderr.write(f"{organization.slug} {month}: not sent, the mail server is unavailable ({error})")
                continue
            line = MESSAGES.get(result.status, result.status).format(recipients=", ".join(result.recipients))
            self.stdout.write(f"{organization.slug} {month}: {line}")
            for problem in result.problems:
                self.stderr.write(f"{organization.slug} {month}: {problem}")
            failures += result.status == "refused"
        if failures:
            raise CommandError(f"{failures} review(s) could not be sent.")

    def _month(self, value: str | None) -> Month:
        if not value:
            return Month.last()
        try:
            month = Month.parse(value)
        except ValueError as error:
            raise CommandError(f"--month: {value!r} is not a month; write it as YYYY-MM, e.g. 2025-01.") from error
        if not month.has_started():
            raise CommandError(f"--month: {month} has not started yet.")
        return month

    def _clients(self, slug: str | None) -> list[Organization]:
        if not slug:
            return list(delivery.clients_to_review())
        organization = Organization.objects.clients().filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"--organization: no client company has the short name {slug!r}.")
        return [organization]
