"""The audit trail: one function that records a change, called by every service.

Audit is cross-cutting infrastructure, so it is driven by the signal handlers in
``vigie.core.signals``: every save or delete of an audited model, whether it comes
from a service, the Django admin or a shell, lands in the trail. Services and
request middleware say who is acting with ``acting_as``.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile

from vigie.core.models import AuditAction, AuditEntry

_current_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("vigie_audit_actor", default=None)
# Organisations and users whose deletion is under way: an entry recorded meanwhile (the
# deletion itself, or a cascaded one) must not point at a row about to disappear.
_being_deleted: contextvars.ContextVar[frozenset[tuple[str, Any]]] = contextvars.ContextVar(
    "vigie_audit_being_deleted", default=frozenset()
)


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Attribute the changes made inside the block to ``user``."""
    token = _current_actor.set(user)
    # A deletion interrupted by an error inside the block leaves no marker behind it.
    deletions = _being_deleted.set(_being_deleted.get())
    try:
        yield
    finally:
        _being_deleted.reset(deletions)
        _current_actor.reset(token)


def current_actor() -> Any:
    return _current_actor.get()


def deletion_started(instance: models.Model) -> None:
    """Called before an organisation or a user is deleted (``pre_delete``)."""
    _being_deleted.set(_being_deleted.get() | {(instance._meta.label_lower, instance.pk)})


def deletion_finished(instance: models.Model) -> None:
    """Called once the row is gone (``post_delete``)."""
    _being_deleted.set(_being_deleted.get() - {(instance._meta.label_lower, instance.pk)})


def _being_deleted_pk(label: str, pk: Any) -> bool:
    return pk is not None and (label, pk) in _being_deleted.get()


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | FieldFile | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``instance``, JSON-ready, keyed by field name."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: _plain(getattr(instance, name)) for name in names}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def organization_id_of(instance: models.Model) -> int | None:
    for attribute in ("organization_id", "client_id"):
        value = getattr(instance, attribute, None)
        if value is not None:
            return int(value)
    if instance._meta.label == "tenancy.Organization":
        return int(instance.pk)
    return None


def record(
    action: str | AuditAction,
    instance: models.Model,
    *,
    actor: Any = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    actor = actor if actor is not None else current_actor()
    actor_id = getattr(actor, "pk", None)
    if _being_deleted_pk(settings.AUTH_USER_MODEL.lower(), actor_id):
        actor_id = None
    organization_id = organization_id_of(instance)
    if _being_deleted_pk("tenancy.organization", organization_id):
        organization_id = None
    return AuditEntry.objects.create(
        actor_id=actor_id,
        organization_id=organization_id,
        action=str(action),
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes or {},
    )
