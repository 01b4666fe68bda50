"""The supervision schema, one module per concern; import models from here."""

from vigie.monitoring.models.agents import Agent, InstalledSoftware, InventorySnapshot, MachineInventory
from vigie.monitoring.models.alerts import (
    SEVERITY_RANK,
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertPolicy,
    AlertSeverity,
    AlertStatus,
    MaintenanceWindow,
    Recurrence,
)
from vigie.monitoring.models.checks import (
    PROBE_KINDS,
    Check,
    CheckKind,
    CheckStatus,
    Ping,
    PingKind,
    ProbePolicy,
    ProbeResult,
    RestoreResult,
    RestoreTest,
    ScheduleKind,
)
from vigie.monitoring.models.intake import IntakeLog, IntakeOutcome, IntakeSource, SourceKind
from vigie.monitoring.models.metrics import MetricResolution, MetricRollup, MetricSample
from vigie.monitoring.models.notifications import ChannelKind, DeliveryStatus, NotificationChannel, NotificationDelivery

__all__ = [
    "PROBE_KINDS",
    "SEVERITY_RANK",
    "Agent",
    "Alert",
    "AlertEvent",
    "AlertEventKind",
    "AlertPolicy",
    "AlertSeverity",
    "AlertStatus",
    "ChannelKind",
    "Check",
    "CheckKind",
    "CheckStatus",
    "DeliveryStatus",
    "InstalledSoftware",
    "IntakeLog",
    "IntakeOutcome",
    "IntakeSource",
    "InventorySnapshot",
    "MachineInventory",
    "MaintenanceWindow",
    "MetricResolution",
    "MetricRollup",
    "MetricSample",
    "NotificationChannel",
    "NotificationDelivery",
    "Ping",
    "PingKind",
    "ProbePolicy",
    "ProbeResult",
    "Recurrence",
    "RestoreResult",
    "RestoreTest",
    "ScheduleKind",
    "SourceKind",
]
