"""Writes on business calendars and SLA policies. The staff interface, the API, commands and tests
call these functions: each checks who acts, validates everything (``vigie.sla.validation``) before
writing, writes in one transaction with the actor in the audit trail, and once committed queues the
recomputation of the clocks the change affects (``vigie.sla.config_tasks``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.core.audit import acting_as
from vigie.servicedesk.models import Category, TicketStatus
from vigie.sla import permissions
from vigie.sla.models import (
    BusinessCalendar,
    CalendarClosure,
    EscalationRule,
    OpeningRange,
    SlaPolicy,
    SlaTarget,
    TicketSla,
)
from vigie.sla.validation import (
    ClosureSpec,
    EscalationSpec,
    RangeSpec,
    Scope,
    TargetSpec,
    calendar_usable_by,
    check_at_risk_percent,
    check_calendar_name,
    check_client,
    check_closures,
    check_escalations,
    check_order,
    check_pause_statuses,
    check_policy_conflicts,
    check_policy_name,
    check_ranges,
    check_targets,
    check_ticket_type,
    clean_holiday_region,
    clean_time_zone,
)
from vigie.tenancy.models import Organization

CALENDAR_FIELDS = frozenset({"name", "time_zone", "is_24x7", "holiday_country", "holiday_subdivision"})
POLICY_FIELDS = frozenset(
    {
        "name",
        "order",
        "ticket_type",
        "category",
        "calendar",
        "at_risk_percent",
        "response_pause_statuses",
        "resolution_pause_statuses",
        "is_active",
    }
)


class Errors:
    """Gathers the errors of several checks, so that a form shows all of them at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def check(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.by_field.setdefault(name, []).extend(messages)
            return None

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _unknown_fields(changes: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})


def _on_commit(function: Callable[..., Any], *args: Any) -> None:
    transaction.on_commit(lambda: function(*args))


# --- calendars ------------------------------------------------------------------------------------


def _check_calendar(
    organization: Organization,
    values: dict[str, Any],
    *,
    exclude_pk: int | None,
    ranges: Iterable[RangeSpec] | None,
    closures: Iterable[ClosureSpec] | None,
) -> tuple[dict[str, Any], list[RangeSpec] | None, list[ClosureSpec] | None]:
    errors = Errors()
    cleaned = dict(values)
    cleaned["name"] = errors.check(check_calendar_name, organization, values["name"], exclude_pk=exclude_pk)
    cleaned["time_zone"] = errors.check(clean_time_zone, values["time_zone"])
    cleaned["is_24x7"] = bool(values["is_24x7"])
    region = errors.check(clean_holiday_region, values["holiday_country"], values["holiday_subdivision"])
    if region is not None:
        cleaned["holiday_country"], cleaned["holiday_subdivision"] = region
    range_specs = errors.check(check_ranges, ranges, is_24x7=cleaned["is_24x7"]) if ranges is not None else None
    closure_specs = errors.check(check_closures, closures) if closures is not None else None
    errors.raise_if_any()
    return cleaned, range_specs, closure_specs


def _write_ranges(calendar: BusinessCalendar, specs: list[RangeSpec]) -> None:
    """Keep the ranges that did not change, delete the others, create the new ones."""
    wanted = {(s.weekday, s.start, s.end) for s in specs}
    existing = {(r.weekday, r.start, r.end): r for r in calendar.ranges.all()}
    for key, opening in existing.items():
        if key not in wanted:
            opening.delete()
    for weekday, start, end in sorted(wanted - set(existing)):
        OpeningRange.objects.create(calendar=calendar, weekday=weekday, start=start, end=end)


def _write_closures(calendar: BusinessCalendar, specs: list[ClosureSpec]) -> None:
    wanted = {s.date: s.name for s in specs}
    for closure in calendar.closures.all():
        if closure.date not in wanted:
            closure.delete()
        elif closure.name != wanted[closure.date]:
            closure.name = wanted[closure.date]
            closure.save()
        wanted.pop(closure.date, None)
    for day, name in sorted(wanted.items()):
        CalendarClosure.objects.create(calendar=calendar, date=day, name=name)


def create_calendar(
    *,
    by: User,
    organization: Organization,
    name: str,
    time_zone: str = "Europe/Paris",
    is_24x7: bool = False,
    holiday_country: str = "FR",
    holiday_subdivision: str = "",
    ranges: Iterable[RangeSpec] = (),
    closures: Iterable[ClosureSpec] = (),
) -> BusinessCalendar:
    """A business calendar of a client or of the provider (shared by its clients)."""
    if not permissions.can_manage_calendars(by, organization.pk):
        raise PermissionDenied(_("Only the provider's administrators can change business calendars."))
    values = {
        "name": name,
        "time_zone": time_zone,
        "is_24x7": is_24x7,
        "holiday_country": holiday_country,
        "holiday_subdivision": holiday_subdivision,
    }
    cleaned, range_specs, closure_specs = _check_calendar(
        organization, values, exclude_pk=None, ranges=list(ranges), closures=list(closures)
    )
    with transaction.atomic(), acting_as(by):
        calendar = BusinessCalendar.objects.create(organization=organization, **cleaned)
        _write_ranges(calendar, range_specs or [])
        _write_closures(calendar, closure_specs or [])
    return calendar


def update_calendar(
    calendar: BusinessCalendar,
    *,
    by: User,
    ranges: Iterable[RangeSpec] | None = None,
    closures: Iterable[ClosureSpec] | None = None,
    **changes: Any,
) -> BusinessCalendar:
    """Change a calendar; ``ranges`` and ``closures``, when given, replace the current lists.
    The clocks that run on it are recomputed once the change is committed."""
    if not permissions.can_manage_calendars(by, calendar.organization_id):
        raise PermissionDenied(_("Only the provider's administrators can change business calendars."))
    if "organization" in changes and getattr(changes["organization"], "pk", None) != calendar.organization_id:
        raise ValidationError({"organization": _("A calendar cannot move to another organisation.")})
    changes.pop("organization", None)
    _unknown_fields(changes, CALENDAR_FIELDS)
    values = {name: changes.get(name, getattr(calendar, name)) for name in CALENDAR_FIELDS}
    if ranges is None and values["is_24x7"] is False and calendar.is_24x7:
        ranges = [RangeSpec(r.weekday, r.start, r.end) for r in calendar.ranges.all()]  # must hold hours now
    cleaned, range_specs, closure_specs = _check_calendar(
        calendar.organization,
        values,
        exclude_pk=calendar.pk,
        ranges=None if ranges is None else list(ranges),
        closures=None if closures is None else list(closures),
    )
    with transaction.atomic(), acting_as(by):
        calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        for name, value in cleaned.items():
            setattr(calendar, name, value)
        calendar.save()
        if range_specs is not None:
            _write_ranges(calendar, range_specs)
        if closure_specs is not None:
            _write_closures(calendar, closure_specs)
        from vigie.sla import config_tasks

        _on_commit(config_tasks.recompute_calendar, calendar.pk)
    return calendar


def calendar_users(calendar: BusinessCalendar) -> list[str]:
    """What runs on this calendar (policies, targets, service hours), as readable names."""
    users = [
        _("the policy “%(name)s”") % {"name": name}
        for name in SlaPolicy.objects.filter(calendar=calendar).values_list("name", flat=True)
    ]
    users += [
        _("the %(priority)s target of “%(name)s”") % {"priority": f"P{priority}", "name": name}
        for priority, name in SlaTarget.objects.filter(calendar=calendar).values_list("priority", "policy__name")
    ]
    users += [
        _("the service “%(name)s”") % {"name": name}
        for name in BusinessService.objects.filter(calendar=calendar).values_list("name", flat=True)
    ]
    return users


def delete_calendar(calendar: BusinessCalendar, *, by: User) -> None:
    """Delete a calendar nothing runs on any more."""
    if not permissions.can_manage_calendars(by, calendar.organization_id):
        raise PermissionDenied(_("Only the provider's administrators can change business calendars."))
    users = calendar_users(calendar)
    if users:
        raise ValidationError(
            _("This calendar is still used by %(users)s: choose another calendar there first.") % {"users": ", ".join(users)}
        )
    with transaction.atomic(), acting_as(by):
        calendar.delete()


# --- policies ---------------------------------------------------------------------------------------


def _check_policy(
    organization: Organization,
    values: dict[str, Any],
    *,
    exclude_pk: int | None,
    targets: Iterable[TargetSpec] | None,
    escalations: Iterable[EscalationSpec] | None,
) -> tuple[dict[str, Any], list[TargetSpec] | None, list[EscalationSpec] | None]:
    errors = Errors()
    cleaned = dict(values)
    errors.check(check_client, organization)
    cleaned["name"] = errors.check(check_policy_name, organization, values["name"], exclude_pk=exclude_pk)
    cleaned["order"] = errors.check(check_order, values["order"])
    cleaned["ticket_type"] = errors.check(check_ticket_type, values["ticket_type"])
    cleaned["at_risk_percent"] = errors.check(check_at_risk_percent, values["at_risk_percent"])
    category: Category | None = values["category"]
    if category is not None and not category.is_active and category.pk != values.get("_current_category_id"):
        errors.by_field.setdefault("category", []).append(_("This category is no longer in use."))
    calendar: BusinessCalendar | None = values["calendar"]
    if calendar is None:
        errors.by_field.setdefault("calendar", []).append(_("Choose the calendar the clocks run on."))
    else:
        errors.check(calendar_usable_by, calendar, organization, "calendar")
    for name in ("response_pause_statuses", "resolution_pause_statuses"):
        cleaned[name] = errors.check(check_pause_statuses, name, values[name] or [])
    cleaned["is_active"] = bool(values["is_active"])
    target_specs = errors.check(check_targets, targets, organization) if targets is not None else None
    rule_specs = errors.check(check_escalations, escalations, organization) if escalations is not None else None
    if not errors.by_field:
        scope = Scope(cleaned["ticket_type"], category.pk if category else None)
        errors.check(
            check_policy_conflicts,
            organization,
            scope=scope,
            order=cleaned["order"],
            is_active=cleaned["is_active"],
            exclude_pk=exclude_pk,
        )
    errors.raise_if_any()
    cleaned.pop("_current_category_id", None)
    return cleaned, target_specs, rule_specs


def _write_targets(policy: SlaPolicy, specs: list[TargetSpec]) -> None:
    """One target per priority: changed in place, so that the trail shows what changed."""
    wanted = {spec.priority: spec for spec in specs}
    for target in policy.targets.all():
        spec = wanted.pop(target.priority, None)
        if spec is None:
            target.delete()
            continue
        new = (spec.response_minutes, spec.resolution_minutes, getattr(spec.calendar, "pk", None))
        if (target.response_minutes, target.resolution_minutes, target.calendar_id) != new:
            target.response_minutes, target.resolution_minutes, target.calendar = (
                spec.response_minutes,
                spec.resolution_minutes,
                spec.calendar,
            )
            target.save()
    for spec in sorted(wanted.values(), key=lambda s: s.priority):
        SlaTarget.objects.create(
            policy=policy,
            priority=spec.priority,
            response_minutes=spec.response_minutes,
            resolution_minutes=spec.resolution_minutes,
            calendar=spec.calendar,
        )


RULE_FIELDS = (
    "clock",
    "at_percent",
    "priorities",
    "action",
    "notify_assignee",
    "notify_group_lead",
    "notify_client_manager",
    "reassign_group",
    "reassign_user",
    "is_active",
)


def _rule_values(spec: EscalationSpec) -> dict[str, Any]:
    values = {name: getattr(spec, name) for name in RULE_FIELDS}
    values["priorities"] = sorted(set(spec.priorities))
    return values


def _write_escalations(policy: SlaPolicy, specs: list[EscalationSpec]) -> None:
    """Rules named by id keep their identity (and the record of when they fired); the others
    are created; rules left out are deleted."""
    existing = {rule.pk: rule for rule in policy.escalations.all()}
    kept: set[int] = set()
    for spec in specs:
        values = _rule_values(spec)
        if spec.id is not None and spec.id in existing:
            rule = existing[spec.id]
            kept.add(rule.pk)
            for name, value in values.items():
                setattr(rule, name, value)
            rule.save()
        else:
            EscalationRule.objects.create(policy=policy, **values)
    for pk, rule in existing.items():
        if pk not in kept:
            rule.delete()


def _check_rule_ids(policy: SlaPolicy | None, specs: list[EscalationSpec] | None) -> None:
    if not specs:
        return
    known = set(policy.escalations.values_list("pk", flat=True)) if policy is not None else set()
    errors = [
        _("Rule %(number)d: no rule %(id)s in this policy.") % {"number": number, "id": spec.id}
        for number, spec in enumerate(specs, start=1)
        if spec.id is not None and spec.id not in known
    ]
    if errors:
        raise ValidationError({"escalations": errors})


def create_policy(
    *,
    by: User,
    organization: Organization,
    name: str,
    calendar: BusinessCalendar | None,
    order: int = 100,
    ticket_type: str = "",
    category: Category | None = None,
    at_risk_percent: int = 75,
    response_pause_statuses: Iterable[str] | None = None,
    resolution_pause_statuses: Iterable[str] | None = None,
    is_active: bool = True,
    targets: Iterable[TargetSpec] = (),
    escalations: Iterable[EscalationSpec] = (),
) -> SlaPolicy:
    """An SLA policy of a client with its targets per priority and its escalation rules."""
    if not permissions.can_manage_policies(by, organization.pk):
        raise PermissionDenied(_("Only administrators and service owners can change SLA policies."))
    values = {
        "name": name,
        "order": order,
        "ticket_type": ticket_type,
        "category": category,
        "calendar": calendar,
        "at_risk_percent": at_risk_percent,
        "response_pause_statuses": list(response_pause_statuses or []),
        "resolution_pause_statuses": list(
            resolution_pause_statuses if resolution_pause_statuses is not None else [TicketStatus.WAITING_CUSTOMER]
        ),
        "is_active": is_active,
    }
    rule_specs = list(escalations)
    _check_rule_ids(None, rule_specs)
    cleaned, target_specs, checked_rules = _check_policy(
        organization, values, exclude_pk=None, targets=list(targets), escalations=rule_specs
    )
    from vigie.sla import config_tasks

    with transaction.atomic(), acting_as(by):
        policy = SlaPolicy.objects.create(organization=organization, **cleaned)
        _write_targets(policy, target_specs or [])
        _write_escalations(policy, checked_rules or [])
        _on_commit(config_tasks.recompute_policy, policy.pk)
    return policy


def update_policy(
    policy: SlaPolicy,
    *,
    by: User,
    targets: Iterable[TargetSpec] | None = None,
    escalations: Iterable[EscalationSpec] | None = None,
    **changes: Any,
) -> SlaPolicy:
    """Change a policy; ``targets`` and ``escalations``, when given, replace the current lists
    (a rule given with its ``id`` is kept). The clocks it applies to are recomputed on commit."""
    if not permissions.can_manage_policies(by, policy.organization_id):
        raise PermissionDenied(_("Only administrators and service owners can change SLA policies."))
    if "organization" in changes and getattr(changes["organization"], "pk", None) != policy.organization_id:
        raise ValidationError({"organization": _("A policy cannot move to another client.")})
    changes.pop("organization", None)
    _unknown_fields(changes, POLICY_FIELDS)
    values = {name: changes.get(name, getattr(policy, name)) for name in POLICY_FIELDS}
    values["_current_category_id"] = policy.category_id
    rule_specs = None if escalations is None else list(escalations)
    _check_rule_ids(policy, rule_specs)
    cleaned, target_specs, checked_rules = _check_policy(
        policy.organization,
        values,
        exclude_pk=policy.pk,
        targets=None if targets is None else list(targets),
        escalations=rule_specs,
    )
    from vigie.sla import config_tasks

    with transaction.atomic(), acting_as(by):
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        for name, value in cleaned.items():
            setattr(policy, name, value)
        policy.save()
        if target_specs is not None:
            _write_targets(policy, target_specs)
        if checked_rules is not None:
            _write_escalations(policy, checked_rules)
        _on_commit(config_tasks.recompute_policy, policy.pk)
    return policy


def delete_policy(policy: SlaPolicy, *, by: User) -> None:
    """Delete a policy; the open tickets it applied to find their policy again once committed."""
    if not permissions.can_manage_policies(by, policy.organization_id):
        raise PermissionDenied(_("Only administrators and service owners can change SLA policies."))
    from vigie.sla import config_tasks

    with transaction.atomic(), acting_as(by):
        affected = list(TicketSla.objects.filter(policy=policy).values_list("ticket_id", flat=True))
        policy.delete()
        if affected:
            _on_commit(config_tasks.refresh_tickets, affected)
