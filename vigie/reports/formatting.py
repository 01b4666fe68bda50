"""Figures in words, in the active language: rates, durations, months.

Nothing is measured here; these only turn the KPI report's numbers (seconds, fractions) into
text, with the decimal separator and month names of the language in force.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import formats
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from vigie.reports.kpis import Compliance
from vigie.reports.periods import Month

NOTHING = "—"


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return NOTHING
    return formats.number_format(round(value, digits), digits, use_l10n=True)


def percent(rate: float | None, digits: int = 1) -> str:
    """0.975 → "97.5 %" (or "97,5 %"); None (nothing to measure) → "—"."""
    if rate is None:
        return NOTHING
    return _("%(value)s %%") % {"value": number(rate * 100, digits)}


def compliance(value: Compliance) -> str:
    """ "42 of 45 (93.3 %)", or "—" when nothing was measured."""
    if not value.total:
        return NOTHING
    return _("%(met)s of %(total)s (%(rate)s)") % {"met": value.met, "total": value.total, "rate": percent(value.rate)}


def duration(seconds: float | None) -> str:
    """A duration a reader grasps at once: "45 min", "3 h 20 min", "2 d 4 h"."""
    if seconds is None:
        return NOTHING
    minutes = round(seconds / 60)
    if minutes < 1:
        return _("under a minute")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours} if hours else _("%(days)s d") % {"days": days}
    if hours:
        return (
            _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
            if minutes
            else _("%(hours)s h") % {"hours": hours}
        )
    return _("%(minutes)s min") % {"minutes": minutes}


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def month_name(month: Month) -> str:
    """ "January 2025" / "janvier 2025"."""
    return date_format(month.first_day, "F Y")


def short_month(moment: datetime | Month) -> str:
    """ "Jan 25" / "janv. 25", for chart axes."""
    month = moment if isinstance(moment, Month) else Month.containing(moment)
    return date_format(month.first_day, "M y")
