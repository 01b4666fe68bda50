"""The supervision models in Django's admin (superusers): settings editable, machine-written
rows (results, pings, events, samples, deliveries) read-only in lists with raw ids."""

from django.contrib import admin

from vigie.monitoring.models import (
    Agent,
    Alert,
    AlertEvent,
    AlertPolicy,
    Check,
    InstalledSoftware,
    IntakeLog,
    IntakeSource,
    InventorySnapshot,
    MachineInventory,
    MaintenanceWindow,
    MetricRollup,
    MetricSample,
    NotificationChannel,
    NotificationDelivery,
    Ping,
    ProbePolicy,
    ProbeResult,
    RestoreTest,
)

CI = "configuration_item"


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "kind", "status", "last_result_at", "last_ping_at"]
    list_filter = ["kind", "status", "organization"]
    search_fields = ["name", "target", "organization__name"]
    raw_id_fields = [CI, "service"]
    readonly_fields = ["ping_key", "next_run_at", "claimed_by", "claimed_until", "late_at", "down_at"]


@admin.register(ProbeResult)
class ProbeResultAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["probe_check", "at", "ok", "latency_ms", "message"]
    list_filter = ["ok"]
    raw_id_fields = ["probe_check"]


@admin.register(Ping)
class PingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["heartbeat", "at", "kind", "exit_status", "remote_address"]
    list_filter = ["kind"]
    raw_id_fields = ["heartbeat"]


@admin.register(RestoreTest)
class RestoreTestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["backup", "performed_on", "result", "performed_by"]
    list_filter = ["result"]
    raw_id_fields = ["backup", "performed_by"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["summary", "organization", "severity", "status", "occurrences", "last_seen_at"]
    list_filter = ["status", "severity", "source_kind", "organization"]
    search_fields = ["summary", "dedup_key"]
    raw_id_fields = ["intake_source", "source_check", CI, "service", "ticket", "acknowledged_by"]


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["alert", "at", "kind", "message"]
    list_filter = ["kind"]
    raw_id_fields = ["alert"]


@admin.register(IntakeSource)
class IntakeSourceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "kind", "token_hint", "is_active", "last_received_at"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["token_hint"]


@admin.register(IntakeLog)
class IntakeLogAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["at", "endpoint", "outcome", "status_code", "reason"]
    list_filter = ["outcome", "endpoint"]
    raw_id_fields = ["source"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["hostname", "organization", "agent_version", "last_report_at", "is_active"]
    list_filter = ["is_active", "organization"]
    search_fields = ["hostname", "machine_id"]
    raw_id_fields = [CI]
    readonly_fields = ["agent_id", "last_sequence"]


@admin.register(MachineInventory)
class MachineInventoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [CI, "os_name", "os_version", "collected_at", "pending_updates"]
    raw_id_fields = [CI]


@admin.register(InventorySnapshot)
class InventorySnapshotAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [CI, "at", "source"]
    raw_id_fields = [CI]


@admin.register(InstalledSoftware)
class InstalledSoftwareAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "version", "publisher", CI]
    search_fields = ["name"]
    raw_id_fields = [CI]


@admin.register(MetricSample)
class MetricSampleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [CI, "name", "at", "value"]
    raw_id_fields = [CI]


@admin.register(MetricRollup)
class MetricRollupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [CI, "name", "resolution", "bucket_start", "count"]
    list_filter = ["resolution"]
    raw_id_fields = [CI]


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "starts_at", "ends_at", "recurrence"]
    list_filter = ["recurrence", "organization"]
    raw_id_fields = [CI, "service", "created_by"]


@admin.register(AlertPolicy)
class AlertPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["organization", "open_incidents", "incident_min_severity", "reopen_within_days"]


@admin.register(ProbePolicy)
class ProbePolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["organization", "allow_public"]


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "organization", "kind", "min_severity", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["alert", "channel", "event_key", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    raw_id_fields = ["alert", "channel"]
