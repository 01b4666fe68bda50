"""Writes on the change configuration: standard change templates and freeze periods.

Change managers and administrators write them, for the provider (every client) or one client
they serve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.changes import permissions
from vigie.changes.models import ChangeTemplate, FreezePeriod, RiskLevel
from vigie.core.audit import acting_as
from vigie.tenancy.models import Organization

TEMPLATE_FIELDS = frozenset(
    {"name", "description", "implementation_plan", "backout_plan", "test_plan", "risk_level", "is_active"}
)
FREEZE_FIELDS = frozenset({"name", "reason", "starts_at", "ends_at"})


def _refuse(by: User, organization_id: int) -> None:
    if not permissions.can_manage(by, organization_id):
        raise PermissionDenied(_("Only change managers can change templates and freeze periods."))


def _check_template(organization: Organization, values: dict[str, Any], exclude_pk: int | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    name = (values.get("name") or "").strip()
    cleaned["name"] = name
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > 150:
        errors["name"] = [_("150 characters at most.")]
    else:
        clash = ChangeTemplate.objects.filter(organization=organization, name__iexact=name)
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors["name"] = [_("A template with this name exists already.")]
    if values.get("risk_level") not in RiskLevel.values:
        errors["risk_level"] = [_("Unknown risk level.")]
    for text in ("description", "implementation_plan", "backout_plan", "test_plan"):
        cleaned[text] = (values.get(text) or "").strip()
    if not cleaned["implementation_plan"]:
        errors["implementation_plan"] = [_("A standard change describes how it is implemented.")]
    cleaned["is_active"] = bool(values.get("is_active", True))
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_template(*, by: User, organization: Organization, **values: Any) -> ChangeTemplate:
    _refuse(by, organization.pk)
    unknown = sorted(set(values) - TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    cleaned = _check_template(organization, {"risk_level": RiskLevel.LOW, **values}, None)
    with transaction.atomic(), acting_as(by):
        return ChangeTemplate.objects.create(organization=organization, **cleaned)


def update_template(template: ChangeTemplate, *, by: User, **changes: Any) -> ChangeTemplate:
    _refuse(by, template.organization_id)
    if "organization" in changes and getattr(changes.pop("organization"), "pk", None) != template.organization_id:
        raise ValidationError({"organization": _("A template cannot move to another organisation.")})
    unknown = sorted(set(changes) - TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    values = {name: changes.get(name, getattr(template, name)) for name in TEMPLATE_FIELDS}
    cleaned = _check_template(template.organization, values, template.pk)
    with transaction.atomic(), acting_as(by):
        for name, value in cleaned.items():
            setattr(template, name, value)
        template.save()
    return template


def delete_template(template: ChangeTemplate, *, by: User) -> None:
    _refuse(by, template.organization_id)
    if template.changes.exists():
        raise ValidationError({"template": _("Changes were made from this template: deactivate it instead.")})
    with transaction.atomic(), acting_as(by):
        template.delete()


def _check_freeze(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    name = (values.get("name") or "").strip()
    cleaned["name"] = name
    cleaned["reason"] = (values.get("reason") or "").strip()
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > 150:
        errors["name"] = [_("150 characters at most.")]
    start: datetime | None = values.get("starts_at")
    end: datetime | None = values.get("ends_at")
    if start is None:
        errors["starts_at"] = [_("Say when the freeze starts.")]
    if end is None:
        errors["ends_at"] = [_("Say when the freeze ends.")]
    elif start is not None and end <= start:
        errors["ends_at"] = [_("The freeze must end after it starts.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_freeze(*, by: User, organization: Organization, **values: Any) -> FreezePeriod:
    _refuse(by, organization.pk)
    unknown = sorted(set(values) - FREEZE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    cleaned = _check_freeze(values)
    with transaction.atomic(), acting_as(by):
        return FreezePeriod.objects.create(organization=organization, **cleaned)


def update_freeze(freeze: FreezePeriod, *, by: User, **changes: Any) -> FreezePeriod:
    _refuse(by, freeze.organization_id)
    if "organization" in changes and getattr(changes.pop("organization"), "pk", None) != freeze.organization_id:
        raise ValidationError({"organization": _("A freeze period cannot move to another organisation.")})
    unknown = sorted(set(changes) - FREEZE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    cleaned = _check_freeze({name: changes.get(name, getattr(freeze, name)) for name in FREEZE_FIELDS})
    with transaction.atomic(), acting_as(by):
        for name, value in cleaned.items():
            setattr(freeze, name, value)
        freeze.save()
    return freeze


def delete_freeze(freeze: FreezePeriod, *, by: User) -> None:
    _refuse(by, freeze.organization_id)
    with transaction.atomic(), acting_as(by):
        freeze.delete()
