"""Supervision: heartbeat and probe checks, the agent's inventory and metrics, alert intake from
other monitoring tools, alerts, maintenance windows and alert notifications."""
