"""Audit signal handlers: every create, update and delete of an audited model is recorded."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from vigie.core import audit
from vigie.core.models import AuditAction

AUDITED_APPS = {
    "tenancy",
    "accounts",
    "servicedesk",
    "notifications",
    "catalog",
    "sla",
    "reports",
    "cmdb",
    "contracts",
    "changes",
    "problems",
    "knowledge",
    "monitoring",
}
# Fields that change on every save: never worth a line in the trail.
NOISY_FIELDS = {"updated_at", "last_login", "search_text"}
# Fields holding secrets: the trail says that they changed, never their value (not even hashed).
SECRET_FIELDS = {"password", "token_hash", "ping_key"}
HIDDEN = "***"
UNAUDITED_MODELS = {
    "servicedesk.ticketevent",
    "notifications.outboundemail",
    "servicedesk.ticketcounter",
    "problems.problemevent",
    "problems.problemcounter",
    # Computed results, rewritten on every recomputation; the ticket's timeline says what happened.
    "sla.ticketsla",
    "sla.escalationfiring",
    # Aggregates the worker recomputes every hour from the tickets.
    "reports.monthlyfigures",
    "reports.figuresmonth",
    # Supervision data written at machine speed: results, pings, events, samples and logs.
    "monitoring.proberesult",
    "monitoring.ping",
    "monitoring.alert",
    "monitoring.alertevent",
    "monitoring.intakelog",
    "monitoring.metricsample",
    "monitoring.metricrollup",
    "monitoring.machineinventory",
    "monitoring.inventorysnapshot",
    "monitoring.installedsoftware",
    "monitoring.notificationdelivery",
}
# Rows other audit entries point at: their deletion is tracked so that no entry dangles.
REFERENCED_MODELS = {"tenancy.organization", settings.AUTH_USER_MODEL.lower()}


def _audited(sender: type[models.Model]) -> bool:
    if sender.__module__ == "__fake__":
        return False  # a historical model inside a data migration: the trail may not exist yet
    meta = sender._meta
    return meta.app_label in AUDITED_APPS and meta.label_lower not in UNAUDITED_MODELS and not meta.abstract


def _fields(instance: models.Model) -> list[str]:
    return [f.attname for f in instance._meta.concrete_fields if f.attname not in NOISY_FIELDS]


def _secret_fields(instance: models.Model) -> set[str]:
    """The named secrets, and every field that stores its value encrypted (``EncryptedTextField``)."""
    encrypted = {f.attname for f in instance._meta.concrete_fields if getattr(f, "is_secret", False)}
    return SECRET_FIELDS | encrypted


def _hide_secrets(changes: dict[str, list[Any]], instance: models.Model) -> dict[str, list[Any]]:
    secret = _secret_fields(instance)
    return {
        key: [None if value in (None, "") else HIDDEN for value in pair] if key in secret else pair
        for key, pair in changes.items()
    }


def remember_previous_state(sender: type[models.Model], instance: models.Model, raw: bool, **kwargs: Any) -> None:
    if raw or not _audited(sender) or instance.pk is None or instance._state.adding:
        return
    previous = sender._default_manager.filter(pk=instance.pk).values(*_fields(instance)).first()
    instance._audit_previous = previous or {}  # type: ignore[attr-defined]


def record_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kwargs: Any) -> None:
    if raw or not _audited(sender):
        return
    after = audit.snapshot(instance, _fields(instance))
    if created:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "")}
        audit.record(AuditAction.CREATE, instance, changes=_hide_secrets(changes, instance))
        return
    before = {k: audit._plain(v) for k, v in getattr(instance, "_audit_previous", {}).items()}
    instance.__dict__.pop("_audit_previous", None)
    changes = audit.diff(before, after)
    if changes:
        audit.record(AuditAction.UPDATE, instance, changes=_hide_secrets(changes, instance))


def mark_deletion(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if sender._meta.label_lower in REFERENCED_MODELS:
        audit.deletion_started(instance)


def record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if _audited(sender):
        before = audit.snapshot(instance, _fields(instance))
        changes = {k: [v, None] for k, v in before.items() if v not in (None, "")}
        audit.record(AuditAction.DELETE, instance, changes=_hide_secrets(changes, instance))
    if sender._meta.label_lower in REFERENCED_MODELS:
        audit.deletion_finished(instance)


def connect() -> None:
    pre_save.connect(remember_previous_state, dispatch_uid="vigie_audit_pre_save")
    post_save.connect(record_save, dispatch_uid="vigie_audit_post_save")
    pre_delete.connect(mark_deletion, dispatch_uid="vigie_audit_pre_delete")
    post_delete.connect(record_delete, dispatch_uid="vigie_audit_post_delete")
