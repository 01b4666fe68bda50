"""``vigie demo``: load the demonstration data (a provider, three clients, ~500 tickets)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vigie.servicedesk.demo import DEMO_PASSWORD, load_demo
from vigie.tenancy.models import Organization


class Command(BaseCommand):
    help = "Load the demonstration data."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when organisations already exist.")
        parser.add_argument("--tickets", type=int, default=500)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if Organization.objects.exists():
            if options["if_empty"]:
                self.stdout.write(_("Demo data already present; nothing loaded."))
                self._print_logins()
                return
            raise CommandError(_("The database already holds organisations; the demo loads only into an empty one."))
        self.stdout.write(_("Loading the demo (%(count)s tickets)…") % {"count": options["tickets"]})
        world = load_demo(tickets=options["tickets"], seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo loaded: %(provider)s and %(count)s clients.")
                % {"provider": world.provider.name, "count": len(world.clients)}
            )
        )
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(_("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD})
        for email, what in [
            ("admin@rhone-numerique.fr", _("provider administrator (also Django admin)")),
            ("theo.garcia@rhone-numerique.fr", _("technician, Support Lyon")),
        ]:
            self.stdout.write(f"  {email:45} {what}")
        martin = Organization.objects.filter(slug="martin").first()
        if martin is not None:
            for membership in martin.memberships.select_related("user").order_by("role")[:3]:
                self.stdout.write(f"  {membership.user.email:45} {membership.get_role_display()}, {martin.name}")
