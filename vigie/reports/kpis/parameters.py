"""Reading a ``KpiFilter`` from query parameters (the API, and the pages that show KPIs).

Every error is a ``django.core.exceptions.ValidationError`` whose keys are the parameters at
fault. Another company's client, service, group or technician reads exactly like one that does
not exist: the answer never tells whether it does.

| parameter | value |
|---|---|
| ``month`` | ``YYYY-MM``: that calendar month in the current time zone |
| ``start``, ``end`` | a date (``YYYY-MM-DD``; ``end`` is then included: the period runs to the next midnight) or a date and time (ISO 8601; ``end`` excluded; without an offset, in the current time zone) |
| ``organization`` | client company ids or short names (slugs), repeated or comma-separated |
| ``service`` | a business service id |
| ``group`` | a technician group id |
| ``assignee`` | a technician's user id, or ``me`` |
| ``priority`` | 1 … 5 |
| ``type`` | ``incident`` or ``request`` |

Without ``month``, ``start`` or ``end``, the period is the current calendar month; with ``start``
alone, it runs from ``start`` to now.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from vigie.catalog.models import BusinessService
from vigie.reports.kpis.contract import KpiFilter, month_bounds
from vigie.reports.kpis.trend import MAX_MONTHS
from vigie.servicedesk.models import Priority, TicketType
from vigie.tenancy.access import access_for, groups_visible_to
from vigie.tenancy.models import Membership, Organization

KPI_PARAMETERS = ("month", "start", "end", "organization", "service", "group", "assignee", "priority", "type")
TREND_PARAMETERS = (*KPI_PARAMETERS, "months")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEARS = range(1970, 3000)


def values_of(params: Mapping[str, Any], name: str) -> list[str]:
    """Every non-empty value of a parameter, whether repeated (``?a=1&a=2``) or comma-separated."""
    raw: Any = params.getlist(name) if hasattr(params, "getlist") else params.get(name)
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def filter_from_params(params: Mapping[str, Any], *, user: Any, now: datetime | None = None) -> KpiFilter:
    """The ``KpiFilter`` the parameters ask for, checked against what ``user`` may see."""
    errors: dict[str, str] = {}
    zone = timezone.get_current_timezone()
    now = now or timezone.now()
    period = _period(params, zone, now, errors)
    organizations = _organizations(params, user, errors)
    narrowing = {
        "service_id": _one_visible(params, "service", errors, _visible_service(user), _("Unknown service: “%(value)s”.")),
        "group_id": _one_visible(params, "group", errors, _visible_group(user), _("Unknown technician group: “%(value)s”.")),
        "assignee_id": _assignee(params, user, errors),
        "priority": _choice(params, "priority", errors),
        "ticket_type": _choice(params, "type", errors),
    }
    if errors or period is None:
        raise ValidationError({name: [message] for name, message in errors.items()})
    return KpiFilter(start=period[0], end=period[1], organization_ids=organizations, **narrowing)


def months_from_params(params: Mapping[str, Any], default: int = 12) -> int:
    """The ``months`` parameter of a trend: a whole number from 1 to 36."""
    values = values_of(params, "months")
    if not values:
        return default
    if len(values) == 1 and values[0].isdigit() and 1 <= int(values[0]) <= MAX_MONTHS:
        return int(values[0])
    raise ValidationError({"months": [_("Use a whole number of months from 1 to %(max)s.") % {"max": MAX_MONTHS}]})


def unknown_parameters(params: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse parameters nobody reads, so that a typo (``organisation``) is not silently ignored."""
    unknown = sorted(name for name in params if name not in allowed)
    if unknown:
        raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})


def _single(params: Mapping[str, Any], name: str, errors: dict[str, str]) -> str | None:
    values = values_of(params, name)
    if len(values) > 1:
        errors[name] = _("Give one value only.")
        return None
    return values[0] if values else None


def _period(params: Mapping[str, Any], zone: tzinfo, now: datetime, errors: dict[str, str]) -> tuple[datetime, datetime] | None:
    month = _single(params, "month", errors)
    start_text, end_text = _single(params, "start", errors), _single(params, "end", errors)
    if month is not None:
        if start_text is not None or end_text is not None:
            errors["month"] = _("Give either a month or a start and an end, not both.")
            return None
        match = _MONTH.match(month)
        if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) not in _YEARS:
            errors["month"] = _("Use the form YYYY-MM, for example 2026-03.")
            return None
        return month_bounds(int(match[1]), int(match[2]), zone)
    if start_text is None and end_text is None:
        if "month" in errors or "start" in errors or "end" in errors:
            return None
        local = timezone.localtime(now, zone)
        return month_bounds(local.year, local.month, zone)
    start = _moment(start_text, "start", zone, errors) if start_text is not None else None
    end = _moment(end_text, "end", zone, errors) if end_text is not None else now
    if start_text is None:
        errors.setdefault("start", _("Give the start of the period too."))
    if start is None or end is None:
        return None
    if end <= start:
        errors["end"] = _("The end must come after the start.")
        return None
    return start, end


def _moment(text: str, name: str, zone: tzinfo, errors: dict[str, str]) -> datetime | None:
    """A date (midnight starting it; for ``end`` the next midnight, so the day is included) or
    a date and time."""
    try:
        day = parse_date(text)
        moment = parse_datetime(text) if day is None else None
    except ValueError:
        day = moment = None
    if day is not None:
        if day.year not in _YEARS:
            errors[name] = _("This date is out of range.")
            return None
        if name == "end":
            day += timedelta(days=1)
        return datetime.combine(day, time(), tzinfo=zone)
    if moment is None:
        errors[name] = _("Use a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM, with or without an offset).")
        return None
    if moment.year not in _YEARS:
        errors[name] = _("This date is out of range.")
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=zone)


def _organizations(params: Mapping[str, Any], user: Any, errors: dict[str, str]) -> frozenset[int] | None:
    """Client companies by id or short name; one the user cannot see is as unknown as a typo."""
    values = values_of(params, "organization")
    if not values:
        return None
    ids = {int(v) for v in values if v.isdigit()}
    slugs = {v.lower() for v in values if not v.isdigit()}
    found = list(
        Organization.objects.visible_to(user).clients().filter(Q(pk__in=ids) | Q(slug__in=slugs)).values_list("pk", "slug")
    )
    found_ids, found_slugs = {pk for pk, _slug in found}, {slug for _pk, slug in found}
    unknown = [v for v in values if (int(v) not in found_ids if v.isdigit() else v.lower() not in found_slugs)]
    if unknown:
        errors["organization"] = _("Unknown client: “%(value)s”.") % {"value": unknown[0]}
        return None
    return frozenset(found_ids)


def _visible_service(user: Any) -> Any:
    return lambda pk: BusinessService.objects.visible_to(user).filter(pk=pk).exists()


def _visible_group(user: Any) -> Any:
    return lambda pk: groups_visible_to(user).filter(pk=pk).exists()


def _one_visible(params: Mapping[str, Any], name: str, errors: dict[str, str], exists: Any, message: str) -> int | None:
    value = _single(params, name, errors)
    if value is None:
        return None
    if not value.isdigit() or not exists(int(value)):
        errors[name] = message % {"value": value}
        return None
    return int(value)


def _assignee(params: Mapping[str, Any], user: Any, errors: dict[str, str]) -> int | None:
    """A technician of the user's provider (``me`` for oneself): only staff filter by technician."""
    value = _single(params, "assignee", errors)
    if value is None:
        return None
    access = access_for(user)
    pk = user.pk if value.lower() == "me" else int(value) if value.isdigit() else None
    known = (
        pk is not None
        and access.is_staff_member
        and (
            (access.is_superuser and pk == user.pk)
            or Membership.objects.filter(user_id=pk, organization_id__in=access.provider_ids).exists()
        )
    )
    if not known:
        errors["assignee"] = _("Unknown technician: “%(value)s”; use a technician's user id or “me”.") % {"value": value}
        return None
    return pk


def _choice(params: Mapping[str, Any], name: str, errors: dict[str, str]) -> Any:
    value = _single(params, name, errors)
    if value is None:
        return None
    if name == "priority":
        if value.isdigit() and int(value) in Priority.values:
            return int(value)
        errors[name] = _("Use a priority from 1 (critical) to 5 (planning).")
        return None
    if value in TicketType.values:
        return value
    errors[name] = _("Use “incident” or “request”.")
    return None
