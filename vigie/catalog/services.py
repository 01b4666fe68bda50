"""Writes on business services: checked, then written in a transaction with the actor in the trail."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService, Criticality
from vigie.core.audit import acting_as
from vigie.sla import permissions
from vigie.sla.models import BusinessCalendar, SlaPolicy
from vigie.sla.validation import calendar_usable_by, check_client
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role

SERVICE_FIELDS = frozenset(
    {
        "name",
        "description",
        "owner",
        "criticality",
        "hourly_downtime_cost",
        "calendar",
        "rto_minutes",
        "rpo_minutes",
        "sla_policy",
        "is_active",
    }
)
MAX_COST = Decimal("9999999999.99")
# A year: a longer recovery objective is a typing mistake.
MAX_OBJECTIVE_MINUTES = 366 * 24 * 60
# Who may own a business service: on the provider side those who manage services, on the client
# side those who speak for the company (docs/catalog.md).
PROVIDER_OWNER_ROLES = frozenset({Role.ADMIN, Role.SERVICE_OWNER})
CLIENT_OWNER_ROLES = frozenset({Role.CLIENT_MANAGER, Role.IT_CONTACT})


def owner_allowed(owner: User, organization: Organization) -> bool:
    """An administrator or service owner of the provider, or a manager or IT contact of the client."""
    if owner.is_superuser:
        return True
    memberships = Membership.objects.filter(user=owner)
    return (
        memberships.filter(organization_id=organization.pk, role__in=CLIENT_OWNER_ROLES).exists()
        or memberships.filter(organization__kind=OrganizationKind.PROVIDER, role__in=PROVIDER_OWNER_ROLES).exists()
    )


def _check_objective(name: str, value: Any, add: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        add(name, _("Give a whole number of minutes."))
        return None
    if value < 0:
        add(name, _("A recovery objective cannot be negative."))
    elif value > MAX_OBJECTIVE_MINUTES:
        add(name, _("A recovery objective cannot exceed a year."))
    return value


def _check(
    organization: Organization, values: dict[str, Any], *, exclude_pk: int | None, previous_owner_id: int | None = None
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    try:
        check_client(organization)
    except ValidationError as error:
        errors.update(error.message_dict)
    cleaned = dict(values)
    name = (values["name"] or "").strip()
    cleaned["name"] = name
    if not name:
        add("name", _("A name is required."))
    elif len(name) > 150:
        add("name", _("150 characters at most."))
    else:
        clash = BusinessService.objects.filter(organization=organization, name__iexact=name)
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            add("name", _("%(client)s already has a service with this name.") % {"client": organization.name})
    if values["criticality"] not in Criticality.values:
        add("criticality", _("Unknown criticality."))
    cost = values["hourly_downtime_cost"]
    if cost is not None:
        try:
            cost = Decimal(str(cost))
        except InvalidOperation:
            add("hourly_downtime_cost", _("Give an amount in euros."))
        else:
            if not cost.is_finite() or cost < 0:
                add("hourly_downtime_cost", _("The cost of an hour of downtime cannot be negative."))
            elif cost > MAX_COST:
                add("hourly_downtime_cost", _("This amount is too large."))
            cleaned["hourly_downtime_cost"] = cost.quantize(Decimal("0.01")) if cost.is_finite() else cost
    owner: User | None = values["owner"]
    # Checked when the owner is chosen: an owner set before this rule existed stays until changed.
    if owner is not None and owner.pk != previous_owner_id and not owner_allowed(owner, organization):
        add(
            "owner",
            _("The owner must be an administrator or service owner of the provider, or a manager or IT contact of %(client)s.")
            % {"client": organization.name},
        )
    for name in ("rto_minutes", "rpo_minutes"):
        cleaned[name] = _check_objective(name, values.get(name), add)
    policy: SlaPolicy | None = values.get("sla_policy")
    if policy is not None and policy.organization_id != organization.pk:
        add("sla_policy", _("This SLA policy belongs to another company."))
    calendar: BusinessCalendar | None = values["calendar"]
    try:
        calendar_usable_by(calendar, organization, "calendar")
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    cleaned["description"] = (values["description"] or "").strip()
    cleaned["is_active"] = bool(values["is_active"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_service(
    *,
    by: User,
    organization: Organization,
    name: str,
    description: str = "",
    owner: User | None = None,
    criticality: int = Criticality.MEDIUM,
    hourly_downtime_cost: Decimal | None = None,
    calendar: BusinessCalendar | None = None,
    rto_minutes: int | None = None,
    rpo_minutes: int | None = None,
    sla_policy: SlaPolicy | None = None,
    is_active: bool = True,
) -> BusinessService:
    """A business service of a client: what its people work with, and what an hour without it costs."""
    if not permissions.can_manage_services(by, organization.pk):
        raise PermissionDenied(_("Only administrators and service owners can change business services."))
    values = {
        "name": name,
        "description": description,
        "owner": owner,
        "criticality": criticality,
        "hourly_downtime_cost": hourly_downtime_cost,
        "calendar": calendar,
        "rto_minutes": rto_minutes,
        "rpo_minutes": rpo_minutes,
        "sla_policy": sla_policy,
        "is_active": is_active,
    }
    cleaned = _check(organization, values, exclude_pk=None)
    with transaction.atomic(), acting_as(by):
        return BusinessService.objects.create(organization=organization, **cleaned)


def update_service(service: BusinessService, *, by: User, **changes: Any) -> BusinessService:
    """Change a business service (its client stays)."""
    if not permissions.can_manage_services(by, service.organization_id):
        raise PermissionDenied(_("Only administrators and service owners can change business services."))
    if "organization" in changes and getattr(changes["organization"], "pk", None) != service.organization_id:
        raise ValidationError({"organization": _("A service cannot move to another client.")})
    changes.pop("organization", None)
    unknown = sorted(set(changes) - SERVICE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    values = {name: changes.get(name, getattr(service, name)) for name in SERVICE_FIELDS}
    cleaned = _check(service.organization, values, exclude_pk=service.pk, previous_owner_id=service.owner_id)
    with transaction.atomic(), acting_as(by):
        service = BusinessService.objects.select_for_update().get(pk=service.pk)
        for name, value in cleaned.items():
            setattr(service, name, value)
        service.save()
    return service
