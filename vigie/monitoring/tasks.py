"""Huey discovers this module: it imports each supervision area's tasks."""

from vigie.monitoring.heartbeats import tasks as heartbeats_tasks  # noqa: F401
