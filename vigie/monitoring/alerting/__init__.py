"""Alerts from signals: every source (checks, Alertmanager, Zabbix, the agent, generic webhooks)
reports what it sees as ``Signal`` values; ``record_signals`` turns them into deduplicated alerts.
"""

from vigie.monitoring.alerting.signals import Signal, record_signal, record_signals

__all__ = ["Signal", "record_signal", "record_signals"]
