"""Writes on suppliers, contracts and licences: checked (``validation``), then written in one
transaction with the actor in the audit trail. Views, the API, the worker and tests call these."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.contracts import permissions, validation
from vigie.contracts.models import Contract, Licence, LicenceAssignment, LicenceKeyReveal, Renewal, Supplier
from vigie.core.audit import acting_as
from vigie.tenancy.models import Organization

SUPPLIER_FIELDS = frozenset(
    {
        "name",
        "kind",
        "website",
        "contact_name",
        "contact_email",
        "contact_phone",
        "support_phone",
        "support_email",
        "support_url",
        "notes",
    }
)
CONTRACT_FIELDS = frozenset(
    {
        "supplier",
        "reference",
        "title",
        "kind",
        "start_date",
        "end_date",
        "renewal",
        "renewal_months",
        "notice_days",
        "cost_amount",
        "currency",
        "cost_period",
        "services",
        "configuration_items",
        "support_calendar",
        "support_terms",
        "terminated_on",
        "notes",
    }
)
LICENCE_FIELDS = frozenset(
    {
        "software",
        "supplier",
        "contract",
        "kind",
        "seats_purchased",
        "expiry_date",
        "key",
        "users",
        "configuration_items",
        "notes",
    }
)


def _refuse_unless_manager(by: User, organization_id: int) -> None:
    if not permissions.can_manage(by, organization_id):
        raise PermissionDenied(_("Only administrators and service owners can change suppliers, contracts and licences."))


def _changes(instance: Any, changes: dict[str, Any], allowed: frozenset[str], many: dict[str, Any]) -> dict[str, Any]:
    """The full set of values after ``changes`` (a partial update keeps the other fields)."""
    if "organization" in changes and getattr(changes["organization"], "pk", None) != instance.organization_id:
        raise ValidationError({"organization": _("This cannot move to another client.")})
    changes = {k: v for k, v in changes.items() if k != "organization"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    values = {name: getattr(instance, name) for name in allowed if name not in many}
    values.update(many)
    values.update(changes)
    return values


# --- suppliers --------------------------------------------------------------------------------------


def create_supplier(*, by: User, organization: Organization, **fields: Any) -> Supplier:
    _refuse_unless_manager(by, organization.pk)
    unknown = sorted(set(fields) - SUPPLIER_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    values = {"kind": "other", **fields}
    cleaned = validation.check_supplier(organization, values, exclude_pk=None)
    with transaction.atomic(), acting_as(by):
        return Supplier.objects.create(organization=organization, **cleaned)


def update_supplier(supplier: Supplier, *, by: User, **changes: Any) -> Supplier:
    _refuse_unless_manager(by, supplier.organization_id)
    values = _changes(supplier, changes, SUPPLIER_FIELDS, {})
    cleaned = validation.check_supplier(supplier.organization, values, exclude_pk=supplier.pk)
    with transaction.atomic(), acting_as(by):
        supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
        for name, value in cleaned.items():
            setattr(supplier, name, value)
        supplier.save()
    return supplier


def delete_supplier(supplier: Supplier, *, by: User) -> None:
    """A supplier still named by a contract or a licence stays: delete or move those first."""
    _refuse_unless_manager(by, supplier.organization_id)
    with transaction.atomic(), acting_as(by):
        contracts = supplier.contracts.count()
        licences = supplier.licences.count()
        if contracts or licences:
            raise ValidationError(
                _("%(name)s is still the supplier of %(contracts)s contract(s) and %(licences)s licence(s).")
                % {"name": supplier.name, "contracts": contracts, "licences": licences}
            )
        supplier.delete()


# --- contracts --------------------------------------------------------------------------------------


def _write_contract(contract: Contract, cleaned: dict[str, Any]) -> Contract:
    services = cleaned.pop("services")
    items = cleaned.pop("configuration_items")
    for name, value in cleaned.items():
        setattr(contract, name, value)
    contract.save()
    contract.services.set(services)
    contract.configuration_items.set(items)
    return contract


def create_contract(*, by: User, organization: Organization, **fields: Any) -> Contract:
    _refuse_unless_manager(by, organization.pk)
    unknown = sorted(set(fields) - CONTRACT_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    defaults = {"kind": "support", "renewal": Renewal.NONE, "cost_period": "yearly", "currency": "EUR", "notice_days": 0}
    cleaned = validation.check_contract(organization, {**defaults, **fields})
    with transaction.atomic(), acting_as(by):
        return _write_contract(Contract(organization=organization), cleaned)


def update_contract(contract: Contract, *, by: User, **changes: Any) -> Contract:
    _refuse_unless_manager(by, contract.organization_id)
    many = {"services": list(contract.services.all()), "configuration_items": list(contract.configuration_items.all())}
    values = _changes(contract, changes, CONTRACT_FIELDS, many)
    cleaned = validation.check_contract(contract.organization, values)
    with transaction.atomic(), acting_as(by):
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        return _write_contract(locked, cleaned)


def delete_contract(contract: Contract, *, by: User) -> None:
    """Licences bought under the contract stay, without it."""
    _refuse_unless_manager(by, contract.organization_id)
    with transaction.atomic(), acting_as(by):
        contract.delete()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 January + 1 month = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def renewed_end(contract: Contract, today: date) -> date | None:
    """The end date after the tacit renewals that have happened by ``today`` (None: no change)."""
    if (
        contract.renewal != Renewal.TACIT
        or contract.end_date is None
        or not contract.renewal_months
        or contract.terminated_on is not None
        or contract.end_date >= today
    ):
        return None
    end = contract.end_date
    periods = 0
    while end < today:
        periods += 1
        end = add_months(contract.end_date, contract.renewal_months * periods)
    return end


def roll_tacit_renewals(today: date | None = None, *, by: User | None = None) -> list[int]:
    """Move forward the end of every tacitly renewed contract whose end has passed without a
    termination, by whole renewal periods; its notice deadline follows. Returns the contracts moved."""
    today = today or timezone.localdate()
    moved: list[int] = []
    due = Contract.objects.filter(renewal=Renewal.TACIT, terminated_on__isnull=True, end_date__lt=today)
    for contract_id in due.values_list("pk", flat=True):
        with transaction.atomic(), acting_as(by):
            contract = Contract.objects.select_for_update().get(pk=contract_id)
            end = renewed_end(contract, today)
            if end is None:
                continue
            contract.end_date = end
            contract.save(update_fields=["end_date", "updated_at"])
            moved.append(contract.pk)
    return moved


# --- licences ---------------------------------------------------------------------------------------


def _write_licence(licence: Licence, cleaned: dict[str, Any], key: str | None) -> Licence:
    users: list[User] = cleaned.pop("users")
    items = cleaned.pop("configuration_items")
    for name, value in cleaned.items():
        setattr(licence, name, value)
    if key is not None:
        licence.key = key.strip()
    licence.save()
    licence.configuration_items.set(items)
    kept = set(licence.assignments.filter(user__in=users).values_list("user_id", flat=True))
    licence.assignments.exclude(user__in=users).delete()
    LicenceAssignment.objects.bulk_create(
        [LicenceAssignment(licence=licence, user=user) for user in users if user.pk not in kept]
    )
    return licence


def _key(fields: dict[str, Any]) -> str | None:
    key = fields.pop("key", None)
    if key is not None and len(str(key)) > 4000:
        raise ValidationError({"key": _("%(limit)s characters at most.") % {"limit": 4000}})
    return None if key is None else str(key)


def create_licence(*, by: User, organization: Organization, **fields: Any) -> Licence:
    """A licence of a client. More seats assigned than purchased is saved and flagged
    (``Licence.is_over_allocated``), never refused."""
    _refuse_unless_manager(by, organization.pk)
    unknown = sorted(set(fields) - LICENCE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    key = _key(fields)
    cleaned = validation.check_licence(organization, {"kind": "per_seat", **fields})
    with transaction.atomic(), acting_as(by):
        return _write_licence(Licence(organization=organization), cleaned, key or "")


def update_licence(licence: Licence, *, by: User, **changes: Any) -> Licence:
    """``key`` absent or None keeps the stored key; an empty text removes it."""
    _refuse_unless_manager(by, licence.organization_id)
    key = _key(changes)
    many = {"users": list(licence.users.all()), "configuration_items": list(licence.configuration_items.all())}
    values = _changes(licence, changes, LICENCE_FIELDS - {"key"}, many)
    cleaned = validation.check_licence(licence.organization, values)
    with transaction.atomic(), acting_as(by):
        locked = Licence.objects.select_for_update().get(pk=licence.pk)
        return _write_licence(locked, cleaned, key)


def delete_licence(licence: Licence, *, by: User) -> None:
    _refuse_unless_manager(by, licence.organization_id)
    with transaction.atomic(), acting_as(by):
        licence.delete()


def reveal_key(licence: Licence, *, by: User, channel: str = "web") -> str:
    """The licence key in clear, for someone who may read the licence; every reveal is recorded
    (a ``LicenceKeyReveal`` row, itself in the audit trail)."""
    if not permissions.can_reveal(by, licence.organization_id):
        raise PermissionDenied(_("You cannot read this licence key."))
    with transaction.atomic(), acting_as(by):
        key = Licence.objects.values_list("key", flat=True).get(pk=licence.pk)
        LicenceKeyReveal.objects.create(organization_id=licence.organization_id, licence=licence, by=by, channel=channel)
    return key or ""
