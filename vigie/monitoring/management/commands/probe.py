"""``vigie probe``: run the agentless probes (HTTP, TCP, ICMP, TLS, DNS, domain expiry).

Run one on each machine that should probe; they share the checks through the database (no
check runs twice, none is skipped). SIGTERM or Ctrl+C stops claiming, lets in-flight runs finish
and records them, and gives back what could not finish.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vigie.monitoring.probes.engine import ProbeEngine


class Command(BaseCommand):
    help = "Run the agentless probes (HTTP, TCP, ICMP, TLS, DNS, domain expiry)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run the checks that are due now, then exit.")
        parser.add_argument("--concurrency", type=int, default=500, help="Checks run at the same time (default 500).")
        parser.add_argument("--name", default="", help="This probe's name in the results (default: host:pid).")
        parser.add_argument("--grace", type=float, default=30.0, help="Seconds to let in-flight checks finish on stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        concurrency = options["concurrency"]
        if concurrency < 1:
            raise CommandError(_("--concurrency must be at least 1."))
        engine = ProbeEngine(name=options["name"], concurrency=concurrency, batch_size=min(concurrency, 500))
        if options["verbosity"] >= 1:
            self.stdout.write(
                _("Probe %(name)s started (%(concurrency)s at a time).") % {"name": engine.name, "concurrency": concurrency}
            )
            self.stdout.flush()
        stats = asyncio.run(self._run(engine, options["once"], options["grace"]))
        if options["verbosity"] >= 1:
            self.stdout.write(
                _("Probe %(name)s: %(completed)s checks run, %(recorded)s recorded, %(released)s given back.")
                % {"name": engine.name, "completed": stats.completed, "recorded": stats.recorded, "released": stats.released}
            )

    async def _run(self, engine: ProbeEngine, once: bool, grace: float) -> Any:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, engine.stop)
        try:
            return await engine.run(once=once, grace_seconds=grace)
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
