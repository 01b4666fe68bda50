"""Background work of heartbeats: the sweeper, every minute."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from vigie.monitoring.heartbeats.sweeper import sweep_heartbeats


@db_periodic_task(crontab(minute="*"))
def sweep_heartbeats_task() -> dict[str, int]:
    result = sweep_heartbeats()
    return {"late": result.late, "down": result.down}
