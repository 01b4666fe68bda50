"""Months and periods of the reports, in the provider's time zone.

A month runs from midnight of its first day to midnight of the next month's first day in the
provider's time zone (``VIGIE_TIME_ZONE``), so "January" means the same tickets for every client
and every reader. Dashboards offer a few periods that end now at the latest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def provider_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> Month:
        """``2025-01`` → January 2025; ``ValueError`` for anything else."""
        match = _MONTH.match(value.strip())
        if match is None:
            raise ValueError(value)
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12 or year < 1970:
            raise ValueError(value)
        return cls(year, month)

    @classmethod
    def containing(cls, moment: datetime) -> Month:
        local = moment.astimezone(provider_zone())
        return cls(local.year, local.month)

    @classmethod
    def current(cls, now: datetime | None = None) -> Month:
        return cls.containing(now or timezone.now())

    @classmethod
    def last(cls, now: datetime | None = None) -> Month:
        """The month before the current one: what a review covers by default."""
        return cls.current(now).previous()

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=provider_zone())

    @property
    def end(self) -> datetime:
        return self.next().start

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def has_started(self, now: datetime | None = None) -> bool:
        return self.start <= (now or timezone.now())


# The periods of the dashboards' filter, each ending now at the latest.
PERIODS = {
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "last_3_months": _("Last 3 months"),
    "last_12_months": _("Last 12 months"),
}
DEFAULT_PERIOD = "this_month"


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return str(PERIODS[self.key])


def period(key: str, now: datetime | None = None) -> Period:
    """The bounds of a dashboard period (``end`` exclusive, never after now)."""
    now = now or timezone.now()
    current = Month.current(now)
    if key == "last_month":
        return Period(key, current.previous().start, current.start)
    if key == "last_3_months":
        start = current.previous().previous().start
    elif key == "last_12_months":
        start = Month(current.year - 1, current.month).next().start
    else:
        key, start = DEFAULT_PERIOD, current.start
    return Period(key, start, max(now, start + timedelta(seconds=1)))


def recent_months(count: int = 12, now: datetime | None = None) -> list[Month]:
    """The last ``count`` finished months, most recent first (the choices of a review picker)."""
    months = [Month.last(now)]
    while len(months) < count:
        months.append(months[-1].previous())
    return months
