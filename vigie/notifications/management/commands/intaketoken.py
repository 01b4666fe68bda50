"""``vigie intaketoken``: create, list and revoke the tokens a mail server uses to post messages."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vigie.notifications.models import InboundEmailToken
from vigie.servicedesk.inbound.tokens import issue_intake_token, revoke_intake_token


class Command(BaseCommand):
    help = "Manage the tokens that authorise POST /inbound/email/ (mail server pipes)."

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token and print it once.")
        create.add_argument("name", help="What the token is for, e.g. 'postfix on mx1'.")
        actions.add_parser("list", help="List the tokens (their first characters only).")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            token, raw = issue_intake_token(options["name"])
            self.stdout.write(raw)
            self.stderr.write(f"Token {token.pk} created; keep it now, it is not shown again.")
        elif action == "list":
            for token in InboundEmailToken.objects.all():
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                self.stdout.write(f"{token.pk}\t{token.hint}…\t{token.name}\t{state}")
        elif action == "revoke":
            token_to_revoke = InboundEmailToken.objects.filter(pk=options["id"]).first()
            if token_to_revoke is None:
                raise CommandError(f"No intake token {options['id']}.")
            revoke_intake_token(token_to_revoke)
            self.stdout.write(f"Token {token_to_revoke.pk} revoked.")
