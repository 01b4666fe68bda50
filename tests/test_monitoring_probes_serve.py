"""``vigie serve`` starts one probe process beside the web server and the worker (``--no-probe``: none)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_monitoring_probes_support import closed_port, wait_for


def _children_commands(pid: int) -> list[str]:
    commands = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                commands.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ValueError):
            continue
    return commands


@pytest.mark.parametrize("probe", [True, False])
def test_serve_starts_a_probe_process_unless_told_not_to(tmp_path: Path, probe: bool) -> None:
    env = {**os.environ, "VIGIE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "vigie.settings"}
    env.pop("VIGIE_DATABASE_URL", None)
    command = [sys.executable, "-m", "vigie.cli", "serve", "--port", str(closed_port()), "--web-workers", "1", "--no-worker"]
    if not probe:
        command.append("--no-probe")
    serve = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        children = wait_for(lambda: _children_commands(serve.pid) if len(_children_commands(serve.pid)) >= 1 + probe else None)
        assert any("gunicorn" in child for child in children)
        assert any("vigie.cli probe" in child for child in children) is probe
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(30)
