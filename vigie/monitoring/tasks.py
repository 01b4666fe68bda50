"""Huey discovers this module: it imports each supervision area's tasks."""

from vigie.monitoring.metrics import tasks as metrics_tasks  # noqa: F401
