"""``vigie agent-token CLIENT_SLUG [--name N]``: create a client's agent enrolment token and print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vigie.monitoring.models import SourceKind
from vigie.monitoring.tokens import issue_source
from vigie.tenancy.models import Organization, OrganizationKind


class Command(BaseCommand):
    help = "Create an enrolment token with which vigie-agent enrols a client's machines; print it once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("client", help="The client's short name (slug).")
        parser.add_argument("--name", default="", help="What the token is for, e.g. 'Lyon office'.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["client"]).first()
        if organization is None or organization.kind != OrganizationKind.CLIENT:
            raise CommandError(_("No client with the short name %(slug)s.") % {"slug": options["client"]})
        name = options["name"] or _("Agent enrolment")
        source, token = issue_source(by=None, organization=organization, kind=SourceKind.AGENT, name=name[:100])
        self.stdout.write(token)
        self.stderr.write(
            _("Enrolment token %(hint)s… created for %(client)s; keep it now, it is not shown again.")
            % {"hint": source.token_hint, "client": organization.name}
        )
