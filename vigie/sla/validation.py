"""Checks of service-level configuration, run by the services before anything is written.

Each check raises ``django.core.exceptions.ValidationError`` keyed by the field at fault, with a
message that names what is wrong (the day and both ranges, the region and its country, the
policy that hides another one), so that forms and the API show it next to the right input.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

import holidays
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vigie.servicedesk.models import FINISHED_STATUSES, OPEN_STATUSES, Category, Priority, TicketStatus, TicketType
from vigie.sla.models import BusinessCalendar, ClockKind, EscalationAction, SlaPolicy, Weekday
from vigie.tenancy.models import Organization, OrganizationKind, TechnicianGroup

MIDNIGHT = time(0, 0)
MAX_TARGET_MINUTES = 60 * 24 * 366  # a year of minutes: anything longer is a typing mistake
MAX_ESCALATION_PERCENT = 999


# --- what the services receive --------------------------------------------------------------


@dataclass(frozen=True)
class RangeSpec:
    """One opening range: ``end`` at 00:00 means midnight at the end of the day."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class ClosureSpec:
    date: date
    name: str = ""


@dataclass(frozen=True)
class TargetSpec:
    priority: int
    response_minutes: int | None = None
    resolution_minutes: int | None = None
    calendar: BusinessCalendar | None = None


@dataclass(frozen=True)
class EscalationSpec:
    """An escalation rule; ``id`` names an existing rule of the policy to keep (and its history)."""

    clock: str = ClockKind.RESOLUTION
    at_percent: int = 100
    priorities: Sequence[int] = field(default_factory=list)
    action: str = EscalationAction.NOTIFY
    notify_assignee: bool = True
    notify_group_lead: bool = True
    notify_client_manager: bool = False
    reassign_group: TechnicianGroup | None = None
    reassign_user: Any = None
    is_active: bool = True
    id: int | None = None


# --- small formatting helpers -----------------------------------------------------------------


def hhmm(value: time) -> str:
    return f"{value:%H:%M}"


def range_label(spec: RangeSpec) -> str:
    end = "24:00" if spec.end == MIDNIGHT else hhmm(spec.end)
    return f"{hhmm(spec.start)}–{end}"


def duration_label(minutes: int) -> str:
    """4 h, 1 h 30, 45 min: how targets read in messages and on pages."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)02d") % {"hours": hours, "minutes": rest}


def _weekday_label(weekday: int) -> str:
    try:
        return str(Weekday(weekday).label)
    except ValueError:
        return str(weekday)


def _priority_label(priority: int) -> str:
    return f"P{priority}"


# --- calendars ----------------------------------------------------------------------------------


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def clean_time_zone(value: str) -> str:
    value = (value or "").strip()
    if value not in time_zone_names():
        raise ValidationError(
            {"time_zone": _("Unknown time zone: “%(value)s”. Use a name such as Europe/Paris.") % {"value": value}}
        )
    return value


# The longest region code a calendar can store (``BusinessCalendar.holiday_subdivision``).
REGION_CODE_MAX = BusinessCalendar._meta.get_field("holiday_subdivision").max_length or 10


@functools.cache
def supported_countries() -> dict[str, list[str]]:
    """Countries by ISO two-letter code (the library also answers to three-letter aliases)."""
    return {code: list(regions) for code, regions in holidays.list_supported_countries().items() if len(code) == 2}


@functools.cache
def subdivision_aliases(country: str) -> dict[str, list[str]]:
    """Region codes of a country and their readable names (``57`` → ``Moselle``)."""
    calendar = holidays.country_holidays(country)
    aliases: dict[str, list[str]] = calendar.get_subdivision_aliases()
    return {code: list(aliases.get(code, [])) for code in calendar.subdivisions}


def subdivision_name(country: str, code: str) -> str:
    names = subdivision_aliases(country).get(code, []) if country else []
    return max(names, key=len) if names else ""


def clean_holiday_region(country: str, subdivision: str) -> tuple[str, str]:
    """A country the ``holidays`` library knows and one of its regions (a code, or a name such as
    “Alsace” turned into its code). Empty country: no public holidays, and then no region."""
    country = (country or "").strip().upper()
    subdivision = (subdivision or "").strip()
    if not country:
        if subdivision:
            raise ValidationError(
                {"holiday_country": _("Choose the country of the region %(region)s.") % {"region": subdivision}}
            )
        return "", ""
    countries = supported_countries()
    if country not in countries:
        raise ValidationError({"holiday_country": _("Unknown country for public holidays: %(country)s.") % {"country": country}})
    if not subdivision:
        return country, ""
    codes = subdivision_aliases(country)
    wanted = subdivision.casefold()
    for code, names in codes.items():
        if code.casefold() == wanted or any(name.casefold() == wanted for name in names):
            if len(code) > REGION_CODE_MAX:
                raise ValidationError(
                    {
                        "holiday_subdivision": _(
                            "The region %(region)s of %(country)s cannot be chosen yet: its code is too long."
                        )
                        % {"country": country, "region": code}
                    }
                )
            return country, code
    raise ValidationError(
        {"holiday_subdivision": _("Unknown region for %(country)s: %(region)s.") % {"country": country, "region": subdivision}}
    )


def check_ranges(ranges: Iterable[RangeSpec], *, is_24x7: bool) -> list[RangeSpec]:
    """Several ranges a day; each ends after it starts (00:00 as an end is midnight); two ranges
    of the same day never overlap. A calendar that is not 24×7 needs at least one range."""
    specs = sorted(ranges, key=lambda r: (r.weekday, r.start, r.end == MIDNIGHT, r.end))
    errors: list[str] = []
    for spec in specs:
        if spec.weekday not in Weekday.values:
            errors.append(_("Unknown day: %(day)s.") % {"day": spec.weekday})
        elif spec.end != MIDNIGHT and spec.end <= spec.start:
            errors.append(
                _("%(day)s: the range %(range)s must end after it starts.")
                % {"day": _weekday_label(spec.weekday), "range": range_label(spec)}
            )
    if errors:
        raise ValidationError({"ranges": errors})
    by_day: dict[int, list[RangeSpec]] = {}
    for spec in specs:
        by_day.setdefault(spec.weekday, []).append(spec)
    for day, day_ranges in by_day.items():
        for index, first in enumerate(day_ranges):
            first_end = (24 * 60) if first.end == MIDNIGHT else first.end.hour * 60 + first.end.minute
            for second in day_ranges[index + 1 :]:
                second_start = second.start.hour * 60 + second.start.minute
                if second_start < first_end:
                    if (first.start, first.end) == (second.start, second.end):
                        message = _("%(day)s: the range %(first)s is listed twice.")
                    else:
                        message = _("%(day)s: the ranges %(first)s and %(second)s overlap.")
                    errors.append(
                        message % {"day": _weekday_label(day), "first": range_label(first), "second": range_label(second)}
                    )
    if errors:
        raise ValidationError({"ranges": errors})
    if not specs and not is_24x7:
        raise ValidationError({"ranges": _("A calendar without opening hours never counts time: add ranges, or make it 24×7.")})
    return specs


def check_closures(closures: Iterable[ClosureSpec]) -> list[ClosureSpec]:
    specs = sorted(closures, key=lambda c: c.date)
    errors = []
    seen: set[date] = set()
    for spec in specs:
        if spec.date in seen:
            errors.append(_("The date %(date)s is listed twice.") % {"date": date_format(spec.date, "SHORT_DATE_FORMAT")})
        seen.add(spec.date)
        if len(spec.name) > 100:
            errors.append(_("The reason for %(date)s is too long (100 characters at most).") % {"date": spec.date})
    if errors:
        raise ValidationError({"closures": errors})
    return [ClosureSpec(date=spec.date, name=spec.name.strip()) for spec in specs]


def check_calendar_name(organization: Organization, name: str, *, exclude_pk: int | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if len(name) > 100:
        raise ValidationError({"name": _("100 characters at most.")})
    clash = BusinessCalendar.objects.filter(organization=organization, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("%(organization)s already has a calendar with this name.") % {"organization": organization}}
        )
    return name


def calendar_usable_by(calendar: BusinessCalendar | None, organization: Organization, field_name: str) -> None:
    """A client's policies and services run on the client's calendars or on the provider's."""
    if calendar is None:
        return
    if calendar.organization_id == organization.pk:
        return
    owner_kind = Organization.objects.filter(pk=calendar.organization_id).values_list("kind", flat=True).first()
    if owner_kind != OrganizationKind.PROVIDER:
        raise ValidationError(
            {
                field_name: _(
                    "The calendar “%(calendar)s” belongs to another client; choose one of %(client)s or of the provider."
                )
                % {"calendar": calendar.name, "client": organization.name}
            }
        )


# --- policies -----------------------------------------------------------------------------------


def check_client(organization: Organization) -> None:
    if organization.kind != OrganizationKind.CLIENT:
        raise ValidationError({"organization": _("Choose a client company.")})


def check_policy_name(organization: Organization, name: str, *, exclude_pk: int | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if len(name) > 100:
        raise ValidationError({"name": _("100 characters at most.")})
    clash = SlaPolicy.objects.filter(organization=organization, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": _("%(client)s already has a policy with this name.") % {"client": organization.name}})
    return name


def check_ticket_type(value: str) -> str:
    value = value or ""
    if value and value not in TicketType.values:
        raise ValidationError({"ticket_type": _("Unknown ticket type: %(value)s.") % {"value": value}})
    return value


def check_at_risk_percent(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 99:
        raise ValidationError({"at_risk_percent": _("Give a share between 1 and 99 %.")})
    return value


def check_order(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
        raise ValidationError({"order": _("Give a whole number between 0 and 1,000,000.")})
    return value


def check_pause_statuses(field_name: str, statuses: Iterable[str]) -> list[str]:
    """Only an open status can pause a clock: a resolved, closed or cancelled ticket stops it."""
    wanted = set()
    for status in statuses:
        if status not in TicketStatus.values:
            raise ValidationError({field_name: _("Unknown status: %(status)s.") % {"status": status}})
        if status in FINISHED_STATUSES:
            raise ValidationError(
                {
                    field_name: _("“%(status)s” ends the ticket: it stops the clock, it cannot pause it.")
                    % {"status": TicketStatus(status).label}
                }
            )
        wanted.add(status)
    return [status for status in TicketStatus.values if status in wanted and status in OPEN_STATUSES]


def check_targets(targets: Iterable[TargetSpec], organization: Organization) -> list[TargetSpec]:
    errors: list[str] = []
    seen: set[int] = set()
    checked = []
    for target in targets:
        if target.priority not in Priority.values:
            errors.append(_("Unknown priority: %(priority)s.") % {"priority": target.priority})
            continue
        label = _priority_label(target.priority)
        if target.priority in seen:
            errors.append(_("%(priority)s has two targets.") % {"priority": label})
            continue
        seen.add(target.priority)
        response, resolution = target.response_minutes, target.resolution_minutes
        if response is None and resolution is None:
            errors.append(_("%(priority)s: give a response target, a resolution target, or both.") % {"priority": label})
            continue
        bad = [m for m in (response, resolution) if m is not None and not 1 <= m <= MAX_TARGET_MINUTES]
        if bad:
            errors.append(_("%(priority)s: a target lasts from one minute to a year.") % {"priority": label})
            continue
        if response is not None and resolution is not None and response > resolution:
            errors.append(
                _("%(priority)s: the response target (%(response)s) is longer than the resolution target (%(resolution)s).")
                % {"priority": label, "response": duration_label(response), "resolution": duration_label(resolution)}
            )
            continue
        try:
            calendar_usable_by(target.calendar, organization, "targets")
        except ValidationError as error:
            errors.extend(f"{label}: {message}" for message in error.messages)
            continue
        checked.append(target)
    if errors:
        raise ValidationError({"targets": errors})
    return sorted(checked, key=lambda t: t.priority)


def check_escalations(rules: Iterable[EscalationSpec], organization: Organization) -> list[EscalationSpec]:
    from vigie.servicedesk.permissions import serves

    errors: list[str] = []
    checked = []
    for number, rule in enumerate(rules, start=1):
        prefix = _("Rule %(number)d") % {"number": number}
        problems: list[str] = []
        if rule.clock not in ClockKind.values:
            problems.append(_("unknown clock %(clock)s.") % {"clock": rule.clock})
        if not 1 <= rule.at_percent <= MAX_ESCALATION_PERCENT:
            problems.append(
                _("the share of the target goes from 1 to %(max)d %% (100 = at the breach).") % {"max": MAX_ESCALATION_PERCENT}
            )
        if any(p not in Priority.values for p in rule.priorities):
            problems.append(_("unknown priority."))
        if rule.action not in EscalationAction.values:
            problems.append(_("unknown action %(action)s.") % {"action": rule.action})
        elif rule.action == EscalationAction.NOTIFY:
            if not (rule.notify_assignee or rule.notify_group_lead or rule.notify_client_manager):
                problems.append(_("say whom to notify: the assignee, the group lead or the client manager."))
        elif rule.action == EscalationAction.REASSIGN:
            group, user = rule.reassign_group, rule.reassign_user
            if group is None and user is None:
                problems.append(_("choose the group or the technician who takes the ticket over."))
            if group is not None and not group.clients.filter(pk=organization.pk).exists():
                problems.append(
                    _("the group %(group)s does not serve %(client)s.") % {"group": group.name, "client": organization.name}
                )
            if user is not None and not serves(user, organization.pk):
                problems.append(_("%(user)s does not serve %(client)s.") % {"user": user, "client": organization.name})
            if group is not None and user is not None and not group.members.filter(pk=user.pk).exists():
                problems.append(_("%(user)s is not a member of the group %(group)s.") % {"user": user, "group": group.name})
        errors.extend(f"{prefix}: {problem}" for problem in problems)
        if not problems:
            checked.append(rule)
    if errors:
        raise ValidationError({"escalations": errors})
    return checked


# --- contradictory policies -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which tickets a policy applies to: a ticket type (empty: all) and a category subtree (None: all)."""

    ticket_type: str
    category_id: int | None


class CategoryTree:
    """Ancestry of categories, read once (the tree is small and shared by all clients)."""

    def __init__(self) -> None:
        self.parents = dict(Category.objects.values_list("id", "parent_id"))

    def contains(self, ancestor_id: int, category_id: int) -> bool:
        """Whether ``category_id`` is ``ancestor_id`` or lies below it."""
        current: int | None = category_id
        seen: set[int] = set()
        while current is not None and current not in seen:
            if current == ancestor_id:
                return True
            seen.add(current)
            current = self.parents.get(current)
        return False


def covers(tree: CategoryTree, outer: Scope, inner: Scope) -> bool:
    """Every ticket ``inner`` applies to, ``outer`` applies to as well."""
    type_covered = outer.ticket_type == "" or outer.ticket_type == inner.ticket_type
    if outer.category_id is None:
        category_covered = True
    else:
        category_covered = inner.category_id is not None and tree.contains(outer.category_id, inner.category_id)
    return type_covered and category_covered


def overlaps(tree: CategoryTree, first: Scope, second: Scope) -> bool:
    """Some ticket could match both."""
    types_meet = first.ticket_type == "" or second.ticket_type == "" or first.ticket_type == second.ticket_type
    if first.category_id is None or second.category_id is None:
        categories_meet = True
    else:
        categories_meet = tree.contains(first.category_id, second.category_id) or tree.contains(
            second.category_id, first.category_id
        )
    return types_meet and categories_meet


def check_policy_conflicts(
    organization: Organization, *, scope: Scope, order: int, is_active: bool, exclude_pk: int | None
) -> None:
    """Among a client's active policies (tried by order), refuse ambiguity and dead policies:

    - two policies with the same order that could match the same ticket;
    - a policy that an earlier one entirely shadows (it would never apply);
    - a policy that would entirely shadow a later one.
    """
    if not is_active:
        return
    others = SlaPolicy.objects.active().filter(organization=organization).order_by("order", "id")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    tree = CategoryTree()
    for other in others:
        other_scope = Scope(other.ticket_type, other.category_id)
        values = {"other": other.name, "order": other.order}
        if other.order == order and overlaps(tree, scope, other_scope):
            raise ValidationError(
                {
                    "order": _(
                        "The policy “%(other)s” has the same order (%(order)s) and applies to some of the same tickets: "
                        "give one of them another order."
                    )
                    % values
                }
            )
        if other.order < order and covers(tree, other_scope, scope):
            raise ValidationError(
                {
                    "order": _(
                        "The policy “%(other)s” (order %(order)s) is tried first and applies to every ticket this one "
                        "would: this one would never apply. Give it a lower order, or narrow “%(other)s”."
                    )
                    % values
                }
            )
        if other.order > order and covers(tree, scope, other_scope):
            raise ValidationError(
                {
                    "order": _(
                        "This policy would be tried before “%(other)s” (order %(order)s) and applies to every ticket it "
                        "does: “%(other)s” would never apply again. Give this one a higher order."
                    )
                    % values
                }
            )
