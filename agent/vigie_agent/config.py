"""Where the agent keeps its configuration (server, agent id, secret) and its queue."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_INTERVAL = 300  # seconds between metric reports
DEFAULT_INVENTORY_INTERVAL = 3600  # seconds between full inventories
DEFAULT_SPOOL_MAX_BYTES = 20 * 1024 * 1024


def default_config_path() -> Path:
    """``VIGIE_AGENT_CONFIG`` when set; else the system location for root/Administrator, the
    user's own otherwise."""
    override = os.environ.get("VIGIE_AGENT_CONFIG")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(base) / "Vigie" / "agent.json"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/etc/vigie-agent/agent.json")
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vigie-agent" / "agent.json"


@dataclass
class AgentConfig:
    server: str
    agent_id: str
    secret: str
    interval: int = DEFAULT_INTERVAL
    inventory_interval: int = DEFAULT_INVENTORY_INTERVAL
    spool_max_bytes: int = DEFAULT_SPOOL_MAX_BYTES
    verify_tls: bool = True
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.server.rstrip("/")


def spool_path(config_path: Path) -> Path:
    return config_path.with_name(config_path.stem + "-queue.sqlite3")


def load(path: Path) -> AgentConfig:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"vigie-agent: no configuration at {path}; run `vigie-agent enrol` first.") from None
    except ValueError as error:
        raise SystemExit(f"vigie-agent: {path} is not valid JSON: {error}") from None
    known = set(AgentConfig.__dataclass_fields__)
    return AgentConfig(**{key: value for key, value in data.items() if key in known})


def save(config: AgentConfig, path: Path) -> None:
    """Write atomically, readable by the owner only (it holds the secret)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(config), handle, indent=2)
    os.replace(temporary, path)
