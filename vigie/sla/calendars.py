"""Business time on a calendar: how many business seconds lie between two instants, and when a
given amount of business time will have passed.

A ``CalendarSpec`` is the frozen, hashable picture of a ``BusinessCalendar``: a time zone,
weekly opening ranges (several a day; an ``end`` of 00:00 is midnight at the end of the day),
public holidays from the ``holidays`` library and extra closure dates, or "24×7".

Ranges are local wall-clock times, turned into instants day by day with ``zoneinfo``:

- on the spring-forward day a range crossing the missing hour is one hour shorter
  (08:00–18:00 is unaffected; 01:00–04:00 on 29 March 2026 in Europe/Paris lasts 2 h);
- on the fall-back day a range covering the repeated hour lasts one hour more (the office stays
  open from the first moment the clock shows the start to the last moment it shows the end);
- a range boundary inside the missing hour is the moment the clocks jump.

Speed: each spec gets a ``BusinessClock`` (cached) holding, per local day, the open intervals
as UTC microseconds and the cumulated business time before the day. Business time between two
instants is then two binary searches, whatever the span (months-old tickets cost the same as
new ones), and a due date one more. Days are built lazily, a year at a time, with the holiday
sets cached per (country, subdivision, year).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_library
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from vigie.sla.models import BusinessCalendar

logger = logging.getLogger(__name__)

SECOND = 1_000_000  # microseconds
DAY_SECONDS = 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
ONE_MICROSECOND = timedelta(microseconds=1)
# Days built at once when a clock needs to look further ahead or back.
CHUNK_DAYS = 366
# A due date is searched this far ahead at most: a calendar that never opens has none.
HORIZON_DAYS = 366 * 20

Ranges = tuple[tuple[int, int], ...]  # (start, end) in seconds after local midnight, end ≤ 86,400
Intervals = tuple[tuple[int, int], ...]  # (start, end) instants in microseconds since the epoch
Table = tuple[int, list[int], list[int], list[Intervals]]


def to_microseconds(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact integer arithmetic)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Business time needs aware datetimes.")
    return (moment - EPOCH) // ONE_MICROSECOND


def from_microseconds(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


@dataclass(frozen=True)
class CalendarSpec:
    """What a business calendar says about time, independent of the database."""

    time_zone: str = "Europe/Paris"
    is_24x7: bool = False
    # Seven entries, Monday first: the merged, sorted opening ranges of each weekday.
    weekly: tuple[Ranges, ...] = ((), (), (), (), (), (), ())
    holiday_country: str = ""
    holiday_subdivision: str = ""
    closures: frozenset[date] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        time_zone: str = "Europe/Paris",
        is_24x7: bool = False,
        ranges: Iterable[tuple[int, time, time]] = (),
        holiday_country: str = "",
        holiday_subdivision: str = "",
        closures: Iterable[date] = (),
    ) -> CalendarSpec:
        """A spec from (weekday, start, end) ranges; an ``end`` of 00:00 means midnight at the end
        of the day. Overlapping ranges are merged; empty or reversed ones are ignored (the
        configuration forms refuse them, see ``validate_ranges``)."""
        per_day: list[list[tuple[int, int]]] = [[] for _day in range(7)]
        for weekday, start, end in ranges:
            start_s, end_s = _seconds(start), _seconds(end, end_of_day=True)
            if end_s > start_s:
                per_day[int(weekday)].append((start_s, end_s))
        return cls(
            time_zone=time_zone or "UTC",
            is_24x7=is_24x7,
            weekly=tuple(_merge(day) for day in per_day),
            holiday_country=(holiday_country or "").upper(),
            holiday_subdivision=holiday_subdivision or "",
            closures=frozenset(closures),
        )

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone)

    def is_closed_on(self, day: date) -> bool:
        """A public holiday or an extra closure (ignored by 24×7 calendars)."""
        if self.is_24x7:
            return False
        return day in self.closures or day in holiday_dates(self.holiday_country, self.holiday_subdivision, day.year)


def _seconds(value: time, *, end_of_day: bool = False) -> int:
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    return DAY_SECONDS if end_of_day and seconds == 0 else seconds


def _merge(ranges: list[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("Unknown time zone %r on a business calendar; using UTC.", name)
        return ZoneInfo("UTC")


@lru_cache(maxsize=1024)
def holiday_dates(country: str, subdivision: str, year: int) -> frozenset[date]:
    """Public holidays of a country (and subdivision) in a year, e.g. ('FR', '57', 2026)
    includes Good Friday and 26 December for Moselle."""
    if not country:
        return frozenset()
    try:
        found = holidays_library.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError:
        logger.warning("Unknown holiday region %s/%s on a business calendar; no holidays used.", country, subdivision)
        return frozenset()
    return frozenset(found.keys())


def validate_holiday_region(country: str, subdivision: str) -> None:
    """Raise a ValidationError naming the field when the ``holidays`` library does not know the region."""
    if not country:
        if subdivision:
            raise ValidationError({"holiday_subdivision": _("Choose a country before a region.")})
        return
    try:
        holidays_library.country_holidays(country.upper(), subdiv=subdivision or None, years=2000)
    except NotImplementedError:
        if subdivision:
            try:
                holidays_library.country_holidays(country.upper(), years=2000)
            except NotImplementedError:
                pass
            else:
                raise ValidationError(
                    {
                        "holiday_subdivision": _("Unknown region %(region)s for %(country)s.")
                        % {"region": subdivision, "country": country.upper()}
                    }
                ) from None
        raise ValidationError(
            {"holiday_country": _("No public holidays are known for %(country)s.") % {"country": country.upper()}}
        ) from None


def validate_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": _("Unknown time zone %(zone)s.") % {"zone": name}}) from None


def validate_ranges(ranges: Iterable[tuple[int, time, time]]) -> None:
    """Refuse reversed, empty or overlapping ranges of the same weekday (00:00 as an end is midnight)."""
    per_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in ranges:
        start_s, end_s = _seconds(start), _seconds(end, end_of_day=True)
        if end_s <= start_s:
            raise ValidationError({"ranges": _("A range must end after it starts (%(start)s–%(end)s).") % _hours(start, end)})
        per_day.setdefault(int(weekday), []).append((start_s, end_s))
    for day_ranges in per_day.values():
        day_ranges.sort()
        for (_start, first_end), (second_start, _end) in itertools.pairwise(day_ranges):
            if second_start < first_end:
                raise ValidationError({"ranges": _("Two opening ranges of the same day overlap.")})


def _hours(start: time, end: time) -> dict[str, str]:
    return {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


def spec_for(calendar: BusinessCalendar) -> CalendarSpec:
    """The spec of a calendar as stored now (two queries: its ranges and its closures)."""
    return CalendarSpec.build(
        time_zone=calendar.time_zone,
        is_24x7=calendar.is_24x7,
        ranges=calendar.ranges.values_list("weekday", "start", "end"),
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
        closures=calendar.closures.values_list("date", flat=True),
    )


def load_specs(calendar_ids: Iterable[int]) -> dict[int, CalendarSpec]:
    """The specs of many calendars in three queries (used once per recomputation run)."""
    from vigie.sla.models import BusinessCalendar, CalendarClosure, OpeningRange

    ids = set(calendar_ids)
    if not ids:
        return {}
    ranges: dict[int, list[tuple[int, time, time]]] = {pk: [] for pk in ids}
    for calendar_id, weekday, start, end in OpeningRange.objects.filter(calendar_id__in=ids).values_list(
        "calendar_id", "weekday", "start", "end"
    ):
        ranges[calendar_id].append((weekday, start, end))
    closures: dict[int, list[date]] = {pk: [] for pk in ids}
    for calendar_id, day in CalendarClosure.objects.filter(calendar_id__in=ids).values_list("calendar_id", "date"):
        closures[calendar_id].append(day)
    return {
        calendar.pk: CalendarSpec.build(
            time_zone=calendar.time_zone,
            is_24x7=calendar.is_24x7,
            ranges=ranges[calendar.pk],
            holiday_country=calendar.holiday_country,
            holiday_subdivision=calendar.holiday_subdivision,
            closures=closures[calendar.pk],
        )
        for calendar in BusinessCalendar.objects.filter(pk__in=ids)
    }


class BusinessClock:
    """Cumulated business time of one calendar spec, as a function of the instant.

    ``elapsed(t)`` is the business time (µs) from a fixed origin to ``t``; the business time
    between ``a`` and ``b`` is ``elapsed(b) - elapsed(a)``. ``reach(x)`` is the earliest instant
    at which ``elapsed`` reaches ``x``: with ``x = elapsed(start) + n`` it is the moment ``n``
    business microseconds after ``start``. Safe to share between threads: the day tables are
    replaced as a whole when they grow, never changed in place.
    """

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self._zone = spec.zone
        self._lock = threading.Lock()
        # See ``_cover``: (first day ordinal, day starts, cumulated business time, open intervals).
        self._table: Table | None = None

    # The instants of one local day.

    def _instant(self, day: date, seconds: int, *, latest: bool) -> int:
        """The instant the local clock shows ``seconds`` after midnight of ``day``: for a time shown
        twice (fall back) the first or the last one, for a time never shown (spring forward) the
        moment the clocks jump."""
        naive = datetime.combine(day, time()) + timedelta(seconds=seconds)
        earlier = to_microseconds(naive.replace(tzinfo=self._zone))
        later = to_microseconds(naive.replace(tzinfo=self._zone, fold=1))
        if earlier == later:
            return earlier
        if earlier < later:  # fold=0 is the first of two readings; a time that exists twice
            return later if latest else earlier
        # A time inside the gap: fold=0 reads it with the old offset (after the jump), fold=1 with
        # the new one (before it). The jump lies between; find the first instant reading ≥ naive.
        low, high = later, earlier
        while high - low > 1:
            middle = (low + high) // 2
            if from_microseconds(middle).astimezone(self._zone).replace(tzinfo=None) >= naive:
                high = middle
            else:
                low = middle
        return high

    def _day(self, ordinal: int) -> tuple[int, Intervals]:
        """(start of the local day, its open intervals clipped to the day)."""
        day = date.fromordinal(ordinal)
        day_start = self._instant(day, 0, latest=False)
        ranges = self.spec.weekly[day.weekday()]
        if not ranges or self.spec.is_closed_on(day):
            return day_start, ()
        day_end = self._instant(day + timedelta(days=1), 0, latest=False)
        intervals = []
        for start_s, end_s in ranges:
            start = max(self._instant(day, start_s, latest=False), day_start)
            end = min(self._instant(day, end_s, latest=True), day_end)
            if end > start:
                intervals.append((start, end))
        return day_start, tuple(intervals)

    def _build(self, first: int, last: int) -> tuple[list[int], list[Intervals], list[int]]:
        """Days ``first`` … ``last - 1`` (ordinals): their starts plus the start of day ``last``,
        their open intervals and their business totals."""
        starts: list[int] = []
        intervals: list[Intervals] = []
        totals: list[int] = []
        for ordinal in range(first, last):
            start, day_intervals = self._day(ordinal)
            starts.append(start)
            intervals.append(day_intervals)
            totals.append(sum(end - begin for begin, end in day_intervals))
        starts.append(self._instant(date.fromordinal(last), 0, latest=False))
        return starts, intervals, totals

    def _cover(self, low: int, high: int) -> Table:
        """The day table, grown if needed so that days ``low`` … ``high`` (ordinals) are in it.

        A table holds ``n`` days: ``n + 1`` day starts (the last one ends the last day), ``n + 1``
        cumulated totals (business time before each day, and through the last one) and ``n``
        tuples of open intervals. Growing backwards keeps the origin: earlier days get negative
        cumulated values, so values handed out before stay valid."""
        table = self._table
        if table is not None and table[0] <= low and high < table[0] + len(table[3]):
            return table
        with self._lock:
            table = self._table
            if table is None:
                first = low - 31
                starts, intervals, totals = self._build(first, max(high + 1, low + CHUNK_DAYS))
                cumulated = [0]
                for total in totals:
                    cumulated.append(cumulated[-1] + total)
                table = (first, starts, cumulated, intervals)
            first, starts, cumulated, intervals = table
            if low < first:
                new_first = min(low, first - CHUNK_DAYS)
                more_starts, more_intervals, more_totals = self._build(new_first, first)
                before = [cumulated[0]]
                for total in reversed(more_totals):
                    before.append(before[-1] - total)
                before.reverse()
                table = (new_first, more_starts[:-1] + starts, before[:-1] + cumulated, more_intervals + intervals)
                first, starts, cumulated, intervals = table
            end = first + len(intervals)
            if high >= end:
                more_starts, more_intervals, more_totals = self._build(end, max(high + 1, end + CHUNK_DAYS))
                grown = list(cumulated)
                for total in more_totals:
                    grown.append(grown[-1] + total)
                table = (first, starts[:-1] + more_starts, grown, intervals + more_intervals)
            self._table = table
            return table

    def _day_index(self, moment: int) -> tuple[int, Table]:
        approximate = moment // (DAY_SECONDS * SECOND) + EPOCH_ORDINAL
        table = self._cover(approximate - 2, approximate + 2)
        index = bisect.bisect_right(table[1], moment) - 1
        return index, table

    # Public arithmetic, in microseconds.

    def elapsed(self, moment: int) -> int:
        """Business time from the clock's origin to ``moment`` (µs since the epoch)."""
        if self.spec.is_24x7:
            return moment
        index, (_first, _starts, cumulated, intervals) = self._day_index(moment)
        value = cumulated[index]
        for start, end in intervals[index]:
            if start >= moment:
                break
            value += min(end, moment) - start
        return value

    def between(self, start: int, end: int) -> int:
        """Business microseconds between two instants (0 if ``end`` is not after ``start``)."""
        if end <= start:
            return 0
        if self.spec.is_24x7:
            return end - start
        return self.elapsed(end) - self.elapsed(start)

    def reach(self, value: int, *, after: int, after_elapsed: int | None = None) -> int | None:
        """The earliest instant not before ``after`` at which ``elapsed`` reaches ``value``, or None
        if the calendar does not open again within the horizon (``after_elapsed``: the caller
        already knows ``elapsed(after)``)."""
        if self.spec.is_24x7:
            return max(value, after)
        if value <= (self.elapsed(after) if after_elapsed is None else after_elapsed):
            return after
        index, table = self._day_index(after)
        first = table[0]
        limit = first + index + HORIZON_DAYS
        while True:
            _first, _starts, cumulated, intervals = table
            # cumulated[i + 1] is the business time through day i; find the first day reaching value.
            position = bisect.bisect_left(cumulated, value, lo=index + 1)
            if position < len(cumulated):
                day = position - 1
                remaining = value - cumulated[day]
                for start, end in intervals[day]:
                    if remaining <= end - start:
                        return start + remaining
                    remaining -= end - start
                raise AssertionError("inconsistent business calendar table")  # pragma: no cover
            end_ordinal = table[0] + len(intervals)
            if end_ordinal > limit:
                return None
            table = self._cover(end_ordinal, end_ordinal + CHUNK_DAYS)
            index = end_ordinal - 1 - table[0]

    def intervals(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """The open intervals between two instants, clipped to them."""
        if end <= start:
            return
        if self.spec.is_24x7:
            yield start, end
            return
        index, table = self._day_index(start)
        ordinal = table[0] + index
        while True:
            table = self._cover(ordinal, ordinal)
            first, starts, _cumulated, day_intervals = table
            position = ordinal - first
            if starts[position] >= end:
                return
            for begin, finish in day_intervals[position]:
                if finish <= start:
                    continue
                if begin >= end:
                    return
                yield max(begin, start), min(finish, end)
            ordinal += 1


@lru_cache(maxsize=256)
def clock_for(spec: CalendarSpec) -> BusinessClock:
    """The shared business clock of a spec (specs are values: an edited calendar is a new spec)."""
    return BusinessClock(spec)


def business_duration(spec: CalendarSpec, start: datetime, end: datetime) -> timedelta:
    """Exact business time between two aware datetimes (zero if ``end`` is not after ``start``)."""
    return timedelta(microseconds=clock_for(spec).between(to_microseconds(start), to_microseconds(end)))


def business_seconds(spec: CalendarSpec, start: datetime, end: datetime) -> int:
    """Whole business seconds between two aware datetimes."""
    return clock_for(spec).between(to_microseconds(start), to_microseconds(end)) // SECOND


def add_business_time(spec: CalendarSpec, start: datetime, amount: timedelta | int) -> datetime | None:
    """The moment ``amount`` of business time (a timedelta or seconds) after ``start``: a due date.

    Ending exactly at a closing time gives that closing time, not the next opening. None when the
    calendar never opens again (no ranges at all). The result is in UTC: a local time inside the
    repeated hour of a fall-back never compares equal to another zone's datetime (PEP 495)."""
    microseconds = amount // ONE_MICROSECOND if isinstance(amount, timedelta) else int(amount) * SECOND
    clock = clock_for(spec)
    origin = to_microseconds(start)
    if microseconds <= 0:
        return start.astimezone(UTC)
    reached = clock.reach(clock.elapsed(origin) + microseconds, after=origin)
    return None if reached is None else from_microseconds(reached)


def open_intervals(spec: CalendarSpec, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The open periods between two aware datetimes, clipped to them, as UTC datetimes."""
    for begin, finish in clock_for(spec).intervals(to_microseconds(start), to_microseconds(end)):
        yield from_microseconds(begin), from_microseconds(finish)


def is_open(spec: CalendarSpec, moment: datetime) -> bool:
    point = to_microseconds(moment)
    return any(True for _interval in clock_for(spec).intervals(point, point + 1))
