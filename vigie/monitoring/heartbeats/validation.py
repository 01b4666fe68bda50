"""Validation of a heartbeat's schedule fields (period or cron with a time zone, grace)."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, datetime
from typing import Any

from cronsim import CronSim, CronSimError
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vigie.monitoring.models import ScheduleKind

MIN_PERIOD = 60
MAX_PERIOD = 365 * 86400
MIN_GRACE = 60
MAX_GRACE = 365 * 86400


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _whole_number(fields: dict[str, Any], name: str) -> int | None:
    if name not in fields:
        return None
    value = fields[name]
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: _("Enter a whole number of seconds.")}) from None
    if isinstance(value, float) and value != number:
        raise ValidationError({name: _("Enter a whole number of seconds.")})
    fields[name] = number
    return number


def validate_cron(expression: str) -> str:
    """A cron expression of five fields, as cronsim reads it; raises ValueError with the reason."""
    cleaned = " ".join(str(expression).split())
    if len(cleaned.split(" ")) != 5:
        raise ValueError(
            _("“%(expression)s”: a cron expression has five fields (minute, hour, day of month, month, day of week).")
            % {"expression": cleaned}
        )
    try:
        next(CronSim(cleaned, datetime(2026, 1, 1, tzinfo=UTC)))
    except (CronSimError, StopIteration) as error:
        raise ValueError(str(error) or cleaned) from None
    return cleaned


def validate_schedule(fields: dict[str, Any]) -> dict[str, Any]:
    """Clean the schedule fields of a heartbeat check; raises ValidationError naming the field."""
    if "schedule_kind" in fields and fields["schedule_kind"] not in ScheduleKind.values:
        raise ValidationError({"schedule_kind": _("Choose a period or a cron expression.")})
    period = _whole_number(fields, "period_seconds")
    if period is not None and not MIN_PERIOD <= period <= MAX_PERIOD:
        raise ValidationError(
            {
                "period_seconds": _("The period must be between %(low)s and %(high)s seconds (one minute to 365 days).")
                % {"low": MIN_PERIOD, "high": MAX_PERIOD}
            }
        )
    grace = _whole_number(fields, "grace_seconds")
    if grace is not None and not MIN_GRACE <= grace <= MAX_GRACE:
        raise ValidationError(
            {
                "grace_seconds": _("The grace period must be between %(low)s and %(high)s seconds (one minute to 365 days).")
                % {"low": MIN_GRACE, "high": MAX_GRACE}
            }
        )
    if "schedule_timezone" in fields:
        name = str(fields["schedule_timezone"] or "").strip()
        try:
            if not name or name not in _time_zones():
                raise zoneinfo.ZoneInfoNotFoundError(name)
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                {"schedule_timezone": _("Unknown time zone “%(name)s”: use a name such as Europe/Paris.") % {"name": name}}
            ) from None
        fields["schedule_timezone"] = name
    if "cron_expression" in fields:
        expression = str(fields["cron_expression"] or "").strip()
        if expression:
            try:
                fields["cron_expression"] = validate_cron(expression)
            except ValueError as error:
                raise ValidationError({"cron_expression": _("Invalid cron expression: %(reason)s") % {"reason": error}}) from None
        else:
            fields["cron_expression"] = ""
    if fields.get("schedule_kind") == ScheduleKind.CRON and not fields.get("cron_expression"):
        raise ValidationError({"cron_expression": _("A cron schedule needs a cron expression.")})
    return fields
