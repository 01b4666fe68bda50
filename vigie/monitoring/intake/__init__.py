"""Alert intake from other monitoring tools: Prometheus Alertmanager webhooks, a Zabbix webhook
media type and a generic JSON webhook. Each delivery is authenticated by a per-client intake
source token, parsed into :class:`vigie.monitoring.alerting.signals.Signal` objects and applied
in one transaction (see :mod:`vigie.monitoring.intake.delivery`)."""
