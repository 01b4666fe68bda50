"""``vigie serve``: web (gunicorn), worker and scheduler, and one probe process together, for the
embedded install.

Each part is its own process; none keeps state, so the same parts can be spread over
several machines sharing one PostgreSQL (and Redis) instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Run the web server and the background worker together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("VIGIE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.VIGIE.port)
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("VIGIE_WEB_WORKERS", "3")))
        parser.add_argument("--no-worker", action="store_true", help="Run the web server only.")
        parser.add_argument("--no-probe", action="store_true", help="Do not run the probes (vigie probe).")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        web = [
            python,
            "-m",
            "gunicorn",
            "vigie.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["web_workers"]),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--timeout",
            "60",
        ]
        commands = [web]
        if not options["no_worker"]:
            commands.append([python, "-m", "vigie.cli", "worker"])
        if not options["no_probe"]:
            commands.append([python, "-m", "vigie.cli", "probe"])
        children = [subprocess.Popen(command) for command in commands]  # noqa: S603 - fixed argument lists
        address = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(_("Vigie is running on %(address)s (Ctrl+C to stop)") % {"address": address})

        def stop(signum: int, frame: object) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop(signal.SIGTERM, None)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [child.returncode for child in children if child.returncode not in (0, -signal.SIGTERM, None)]
        if failed:
            raise SystemExit(1)
