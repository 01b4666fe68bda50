"""``vigie-agent``: enrol with a Vigie server, then report on a schedule.

vigie-agent enrol --server https://vigie.example --token vgi_...
vigie-agent run [--once]
vigie-agent status | inventory
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from vigie_agent import __version__, collect, transport
from vigie_agent.config import AgentConfig, default_config_path, load, save, spool_path
from vigie_agent.spool import Spool

BATCH_REPORTS = 50
BATCH_BYTES = 4 * 1024 * 1024


def log(message: str) -> None:
    print(f"vigie-agent: {message}", file=sys.stderr, flush=True)


def enrol(server: str, token: str, config_path: Path, *, verify_tls: bool = True) -> AgentConfig:
    facts = {
        "hostname": collect.socket.gethostname(),
        "machine_id": collect.machine_id(),
        "agent_version": __version__,
        "platform": sys.platform,
    }
    body = json.dumps(facts).encode()
    answer = transport.post(
        server.rstrip("/") + "/agent/v1/enrol", body, {"Authorization": f"Bearer {token}"}, verify_tls=verify_tls
    )
    config = AgentConfig(
        server=server.rstrip("/"),
        agent_id=str(answer["agent_id"]),
        secret=str(answer["secret"]),
        interval=int(answer.get("interval") or 300),
        inventory_interval=int(answer.get("inventory_interval") or 3600),
        verify_tls=verify_tls,
    )
    save(config, config_path)
    return config


class Runner:
    """One agent: collects into the queue, sends the queue to the server."""

    def __init__(self, config: AgentConfig, config_path: Path) -> None:
        self.config = config
        self.spool = Spool(spool_path(config_path), config.spool_max_bytes)

    def close(self) -> None:
        self.spool.close()

    def collect(self, *, with_inventory: bool) -> int:
        report: dict[str, Any] = {"collected_at": collect.now_iso(), "agent_version": __version__}
        report["metrics"] = collect.metrics()
        if with_inventory:
            report["inventory"] = collect.inventory()
        return self.spool.push(report)

    def flush(self) -> bool:
        """Send queued reports, oldest first, in batches; False when the server is unreachable."""
        while True:
            batch = self.spool.oldest(BATCH_REPORTS, BATCH_BYTES)
            if not batch:
                return True
            try:
                self._send([report for _, report in batch])
            except transport.Unreachable as error:
                log(f"server unreachable ({error}); {self.spool.count()} report(s) kept in the queue")
                return False
            except transport.Refused as error:
                if error.status != 400:
                    log(f"server refused the reports: {error}")
                    return False
                if len(batch) > 1:
                    for sequence, report in batch:  # find the one the server cannot read
                        try:
                            self._send([report])
                        except transport.Refused as single:
                            if single.status != 400:
                                log(f"server refused the reports: {single}")
                                return False
                            log(f"report {sequence} dropped: {single}")
                        self.spool.remove([sequence])
                    continue
                log(f"report {batch[0][0]} dropped: {error}")
            self.spool.remove([sequence for sequence, _ in batch])

    def _send(self, reports: list[dict[str, Any]]) -> dict[str, Any]:
        body = json.dumps({"reports": reports}, separators=(",", ":")).encode()
        headers = transport.signed_headers(self.config.agent_id, self.config.secret, body)
        return transport.post(self.config.base_url + "/agent/v1/reports", body, headers, verify_tls=self.config.verify_tls)

    def round(self, *, with_inventory: bool) -> bool:
        self.collect(with_inventory=with_inventory)
        return self.flush()

    def loop(self) -> None:
        next_inventory = 0.0
        while True:
            started = time.monotonic()
            due = started >= next_inventory
            try:
                self.round(with_inventory=due)
            except Exception as error:  # keep running: the next round may succeed
                log(f"round failed: {error}")
            if due:
                next_inventory = started + self.config.inventory_interval
            time.sleep(max(1.0, self.config.interval - (time.monotonic() - started)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vigie-agent", description="Vigie's machine agent.")
    parser.add_argument("--version", action="version", version=f"vigie-agent {__version__}")
    parser.add_argument("--config", type=Path, default=None, help="configuration file (default: by OS)")
    commands = parser.add_subparsers(dest="command", required=True)
    enrol_parser = commands.add_parser("enrol", help="enrol this machine with a client's enrolment token")
    enrol_parser.add_argument("--server", required=True, help="Vigie's address, e.g. https://vigie.example")
    enrol_parser.add_argument("--token", required=True, help="the client's enrolment token")
    enrol_parser.add_argument("--insecure", action="store_true", help="do not verify the server's TLS certificate")
    run_parser = commands.add_parser("run", help="report on a schedule")
    run_parser.add_argument("--once", action="store_true", help="one round (inventory + metrics), then exit")
    commands.add_parser("status", help="show the configuration and the queue")
    commands.add_parser("inventory", help="print the inventory this machine would report")
    options = parser.parse_args(argv)
    config_path: Path = options.config or default_config_path()

    if options.command == "inventory":
        print(json.dumps(collect.inventory(), indent=2))
        return
    if options.command == "enrol":
        try:
            config = enrol(options.server, options.token, config_path, verify_tls=not options.insecure)
        except transport.Refused as error:
            raise SystemExit(f"vigie-agent: enrolment refused: {error.payload.get('error') or error}") from None
        except transport.Unreachable as error:
            raise SystemExit(f"vigie-agent: cannot reach {options.server}: {error}") from None
        print(f"Enrolled as agent {config.agent_id}; configuration saved to {config_path}")
        return
    config = load(config_path)
    runner = Runner(config, config_path)
    try:
        if options.command == "status":
            print(
                json.dumps(
                    {
                        "config": str(config_path),
                        "server": config.server,
                        "agent_id": config.agent_id,
                        "queued": runner.spool.count(),
                    }
                )
            )
        elif options.once:
            sent = runner.round(with_inventory=True)
            queued = runner.spool.count()
            print(f"{'sent' if sent else 'queued'}; {queued} report(s) waiting")
            if not sent:
                sys.exit(3)
        else:
            runner.loop()
    finally:
        runner.close()
