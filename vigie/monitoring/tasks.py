"""Huey discovers this module: it imports each supervision area's tasks."""

from vigie.monitoring.alerting import tasks as alerting_tasks  # noqa: F401
from vigie.monitoring.heartbeats import tasks as heartbeats_tasks  # noqa: F401
from vigie.monitoring.metrics import tasks as metrics_tasks  # noqa: F401
from vigie.monitoring.notify import tasks as notify_tasks  # noqa: F401
from vigie.monitoring.probes import tasks as probes_tasks  # noqa: F401
