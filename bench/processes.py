"""The processes a bench run starts: gunicorn (web), the Huey worker and an SMTP sink,
all on 127.0.0.1, plus resident-memory readings from ``/proc``."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces; the parent pid is the 2nd field after ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


@dataclass
class ManagedProcess:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: Any = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(self.command, cwd=REPO, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def web_server(env: dict[str, str], *, port: int, workers: int, threads: int, log_dir: Path) -> ManagedProcess:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "vigie.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "120",
        "--keep-alive",
        "10",
        "--backlog",
        "256",
        "--no-control-socket",
    ]
    return ManagedProcess("web", command, env, log_dir / "gunicorn.log")


def worker(env: dict[str, str], *, log_dir: Path) -> ManagedProcess:
    return ManagedProcess("worker", [sys.executable, "-m", "vigie.cli", "worker"], env, log_dir / "worker.log")


def wait_until_ready(server: ManagedProcess, port: int, *, path: str = "/healthz", timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"the web server exited:\n{server.tail()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return
            last_error = f"HTTP {response.status}"
        except OSError as error:
            last_error = str(error)
        time.sleep(0.5)
    raise RuntimeError(f"the web server did not answer {path} within {timeout:.0f} s ({last_error}):\n{server.tail()}")


def memory_report(server: ManagedProcess, worker_process: ManagedProcess | None) -> dict[str, Any]:
    """RSS of the gunicorn master, each web worker, and the background worker, in MiB."""
    master = server.pid if server.alive() else 0
    workers = children_of(master) if master else []
    report: dict[str, Any] = {
        "web_master_mib": round(rss_kib(master) / 1024, 1) if master else None,
        "web_workers_mib": [round(rss_kib(pid) / 1024, 1) for pid in workers],
    }
    report["web_total_mib"] = round((report["web_master_mib"] or 0) + sum(report["web_workers_mib"]), 1)
    if worker_process is not None and worker_process.alive():
        pids = [worker_process.pid, *children_of(worker_process.pid)]
        report["worker_mib"] = round(sum(rss_kib(pid) for pid in pids) / 1024, 1)
        report["worker_processes"] = len(pids)
    else:
        report["worker_mib"] = None
    return report


class SmtpSink:
    """A loopback SMTP server that accepts and counts messages, so notifications flow."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received = 0
        self._controller: Any = None

    def start(self) -> bool:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            return False
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink.received += 1
                return "250 Message accepted"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return True

    def stop(self) -> None:
        if self._controller is not None:
            with contextlib.suppress(Exception):
                self._controller.stop()
            self._controller = None


def base_environment(overrides: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIGIE_")}
    env.update(overrides)
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# --------------------------------------------------------------------------- CPU accounting

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSnapshot:
    at: float
    busy: int  # jiffies of the whole machine, all CPUs, not idle
    ours: int  # the bench process, the web server and the worker (with children)
    postgres: int  # every PostgreSQL process (serving the bench, but other users too)


def _process_table() -> dict[int, tuple[int, str, int]]:
    """pid → (parent pid, command name, user + system jiffies)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry.name)] = (int(fields[1]), name, int(fields[11]) + int(fields[12]))
    return table


def cpu_snapshot(roots: list[int]) -> CpuSnapshot:
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    busy = sum(values[:3]) + sum(values[5:8])  # user nice system + irq softirq steal
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _name, _ticks) in table.items():
        children.setdefault(parent, []).append(pid)
    ours: set[int] = set()
    pending = [pid for pid in roots if pid in table]
    while pending:
        pid = pending.pop()
        if pid not in ours:
            ours.add(pid)
            pending.extend(children.get(pid, []))
    return CpuSnapshot(
        at=time.monotonic(),
        busy=busy,
        ours=sum(table[pid][2] for pid in ours),
        postgres=sum(ticks for pid, (_parent, name, ticks) in table.items() if name == "postgres" and pid not in ours),
    )


def cpu_usage(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """Average CPU cores used between two snapshots: by the bench's processes, by PostgreSQL, by anything else."""
    seconds = max(after.at - before.at, 1e-6)

    def cores(jiffies: int) -> float:
        return round(max(jiffies, 0) / CLOCK_TICKS / seconds, 2)

    busy = after.busy - before.busy
    ours = after.ours - before.ours
    postgres = after.postgres - before.postgres
    return {
        "total_cores": cores(busy),
        "bench_processes_cores": cores(ours),
        "postgres_cores": cores(postgres),
        "other_cores": cores(busy - ours - postgres),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def wait_for_quiet(seconds: float, log: Any, *, threshold: float = 0.5) -> float:
    """Wait (bounded) until the 1-minute load average falls under ``threshold``; return it."""
    deadline = time.monotonic() + seconds
    next_log = 0.0
    while True:
        load = os.getloadavg()[0]
        if load < threshold or time.monotonic() >= deadline:
            return load
        if time.monotonic() >= next_log:
            log(f"machine busy (load {load:.2f}); waiting up to {deadline - time.monotonic():.0f} s more for it to calm down")
            next_log = time.monotonic() + 60
        time.sleep(5)
