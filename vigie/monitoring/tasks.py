"""Huey discovers this module: it imports each supervision area's tasks."""

from vigie.monitoring.probes import tasks as probes_tasks  # noqa: F401
