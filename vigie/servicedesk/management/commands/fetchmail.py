"""``vigie fetchmail``: poll the IMAP mailbox (VIGIE_IMAP_*) and turn messages into tickets and replies."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vigie.notifications.models import InboundSource
from vigie.servicedesk.inbound import imap
from vigie.servicedesk.inbound.intake import process_message

EX_DATAERR = 65
EX_TEMPFAIL = 75
BOUNCED_CODES = frozenset({"malformed", "no_sender", "too_large"})


class Command(BaseCommand):
    help = "Fetch unseen messages from the IMAP mailbox and file them as tickets or replies."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Poll once and exit (default: poll every --interval seconds).")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between two polls (default 60).")
        parser.add_argument(
            "--stdin", action="store_true", help="Read one raw message from standard input instead (for an MTA pipe)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["stdin"]:
            result = process_message(sys.stdin.buffer.read(), source=InboundSource.COMMAND)
            self.stdout.write(f"{result.status}: {result.reason}")
            # Exit codes an MTA pipe understands: 0 done (even ignored or kept as rejected),
            # 65 bounce it (not a usable message), 75 keep it and try again later.
            if result.status == "failed":
                raise CommandError(result.reason, returncode=EX_TEMPFAIL)
            if result.reason_code in BOUNCED_CODES:
                raise CommandError(result.reason, returncode=EX_DATAERR)
            return
        config = imap.MailboxSettings.from_settings()
        if not config.host:
            raise CommandError("No IMAP server is configured: set VIGIE_IMAP_HOST (see docs/email.md).")
        while True:
            try:
                summary = imap.poll(config)
            except imap.MailboxError as error:
                if options["once"]:
                    raise CommandError(str(error)) from error
                self.stderr.write(f"fetchmail: {error}")
            else:
                self.stdout.write(f"fetchmail: {summary}")
                for message in summary.errors:
                    self.stderr.write(f"fetchmail: {message}")
            if options["once"]:
                return
            time.sleep(max(options["interval"], 5))
