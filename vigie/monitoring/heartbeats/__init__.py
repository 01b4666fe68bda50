"""Heartbeat checks: the Healthchecks-compatible ping API, schedules, and the late/down sweeper."""
