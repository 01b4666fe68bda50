"""Business-time arithmetic: every expectation below is computed by hand in the comment above it.

The "office" calendar is Monday–Friday 09:00–12:00 and 14:00–18:00 (7 h a day), French public
holidays, Europe/Paris, unless a test says otherwise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.sla_support import MONTREAL, PARIS, SINGAPORE, local, make_calendar, paris
from vigie.sla.calendars import (
    CalendarSpec,
    add_business_time,
    business_duration,
    business_seconds,
    clock_for,
    holiday_dates,
    is_open,
    load_specs,
    open_intervals,
    spec_for,
    to_microseconds,
    validate_holiday_region,
    validate_ranges,
    validate_time_zone,
)

HOUR = 3600
WEEKDAYS = range(5)


def office(*, zone: str = "Europe/Paris", country: str = "FR", subdivision: str = "", closures=()) -> CalendarSpec:
    ranges = [(day, time(9), time(12)) for day in WEEKDAYS] + [(day, time(14), time(18)) for day in WEEKDAYS]
    return CalendarSpec.build(
        time_zone=zone, ranges=ranges, holiday_country=country, holiday_subdivision=subdivision, closures=closures
    )


def every_day(start: time, end: time, zone: str = "Europe/Paris") -> CalendarSpec:
    return CalendarSpec.build(time_zone=zone, ranges=[(day, start, end) for day in range(7)], holiday_country="")


AROUND_THE_CLOCK = CalendarSpec.build(time_zone="Europe/Paris", is_24x7=True, holiday_country="FR")


def hours(spec: CalendarSpec, start: datetime, end: datetime) -> float:
    return business_seconds(spec, start, end) / HOUR


def test_night_is_closed():
    # Tue 5 May 2026 17:00 → Wed 6 May 10:00: 17–18 (1 h) + 09–10 (1 h) = 2 h.
    assert hours(office(), paris("2026-05-05 17:00"), paris("2026-05-06 10:00")) == 2


def test_lunch_break_is_closed():
    # Mon 8 June 2026 11:00 → 15:00: 11–12 (1 h) + 14–15 (1 h) = 2 h; 12–14 is lunch.
    assert hours(office(), paris("2026-06-08 11:00"), paris("2026-06-08 15:00")) == 2
    assert not is_open(office(), paris("2026-06-08 13:00"))
    assert is_open(office(), paris("2026-06-08 14:00"))


def test_weekend_is_closed():
    # Fri 12 June 2026 16:00 → Mon 15 June 10:00: Fri 16–18 (2 h) + Mon 09–10 (1 h) = 3 h.
    assert hours(office(), paris("2026-06-12 16:00"), paris("2026-06-15 10:00")) == 3


@pytest.mark.parametrize(
    ("start", "end", "holiday"),
    [
        # Thu 30 April 17:00 → Mon 4 May 10:00: Thu 1 h, Fri 1 May (Labour Day) closed, weekend, Mon 1 h = 2 h.
        ("2026-04-30 17:00", "2026-05-04 10:00", date(2026, 5, 1)),
        # Mon 13 July 17:00 → Wed 15 July 10:00: Mon 1 h, Tue 14 July (national day) closed, Wed 1 h = 2 h.
        ("2026-07-13 17:00", "2026-07-15 10:00", date(2026, 7, 14)),
        # Wed 13 May 17:00 → Fri 15 May 10:00: Wed 1 h, Thu 14 May (Ascension) closed, Fri 1 h = 2 h.
        ("2026-05-13 17:00", "2026-05-15 10:00", date(2026, 5, 14)),
    ],
)
def test_french_public_holidays_are_closed(start, end, holiday):
    assert holiday in holiday_dates("FR", "", holiday.year)
    assert hours(office(), paris(start), paris(end)) == 2


def test_alsace_moselle_good_friday():
    # Thu 2 April 2026 17:00 → Tue 7 April 10:00.
    # Moselle (57): Thu 1 h, Fri 3 April (Good Friday) closed, weekend, Mon 6 (Easter Monday) closed, Tue 1 h = 2 h.
    # Rest of France: Good Friday is worked: 1 h + 7 h + 1 h = 9 h.
    assert hours(office(subdivision="57"), paris("2026-04-02 17:00"), paris("2026-04-07 10:00")) == 2
    assert hours(office(), paris("2026-04-02 17:00"), paris("2026-04-07 10:00")) == 9


def test_alsace_saint_stephen():
    # Wed 24 Dec 2025 17:00 → Mon 29 Dec 10:00.
    # Alsace (6AE): Wed 1 h, Thu 25 (Christmas) closed, Fri 26 (Saint Stephen) closed, Mon 1 h = 2 h.
    # Rest of France: Fri 26 is worked (7 h): 9 h.
    assert hours(office(subdivision="6AE"), paris("2025-12-24 17:00"), paris("2025-12-29 10:00")) == 2
    assert hours(office(), paris("2025-12-24 17:00"), paris("2025-12-29 10:00")) == 9


def test_extra_closure_dates():
    # Ascension bridge: Fri 15 May 2026 closed by the company.
    # Wed 13 May 17:00 → Mon 18 May 10:00: Wed 1 h, Thu holiday, Fri closure, weekend, Mon 1 h = 2 h.
    spec = office(closures=[date(2026, 5, 15)])
    assert hours(spec, paris("2026-05-13 17:00"), paris("2026-05-18 10:00")) == 2
    # Without the closure Friday adds 7 h.
    assert hours(office(), paris("2026-05-13 17:00"), paris("2026-05-18 10:00")) == 9


def test_a_whole_year_of_office_hours():
    # 2026 has 261 weekdays (52 weeks + Thursday 1 January); 9 French holidays fall on a weekday
    # (1 Jan, 6 Apr, 1 May, 8 May, 14 May, 25 May, 14 Jul, 11 Nov, 25 Dec; 15 Aug is a Saturday,
    # 1 Nov a Sunday): 252 days × 7 h = 1,764 h.
    assert hours(office(), paris("2026-01-01 00:00"), paris("2027-01-01 00:00")) == 1764
    # The same span asked after an earlier year was computed (the day table grows backwards).
    spec = office()
    assert hours(spec, paris("2019-01-01 00:00"), paris("2019-01-02 00:00")) == 0  # 1 Jan 2019: holiday
    assert hours(spec, paris("2026-01-01 00:00"), paris("2027-01-01 00:00")) == 1764
    # Backwards: nothing.
    assert hours(spec, paris("2027-01-01 00:00"), paris("2026-01-01 00:00")) == 0


def test_due_dates_in_office_hours():
    spec = office()
    # Thu 30 April 17:00 + 3 h: Thu 17–18 (1 h), Fri 1 May holiday, Mon 4 May 09–11 (2 h) → Mon 11:00.
    assert add_business_time(spec, paris("2026-04-30 17:00"), 3 * HOUR) == paris("2026-05-04 11:00")
    # Ending exactly at closing time gives the closing time, not the next opening: Mon 8 June 09:00 + 7 h → 18:00.
    assert add_business_time(spec, paris("2026-06-08 09:00"), 7 * HOUR) == paris("2026-06-08 18:00")
    # Starting on a Saturday: the clock starts on Monday's opening. Sat 13 June 10:00 + 1 h → Mon 15 June 10:00.
    assert add_business_time(spec, paris("2026-06-13 10:00"), HOUR) == paris("2026-06-15 10:00")
    # Ending exactly at lunch: Mon 8 June 11:00 + 1 h → 12:00 (not 14:00).
    assert add_business_time(spec, paris("2026-06-08 11:00"), HOUR) == paris("2026-06-08 12:00")
    # Microseconds are kept: 09:00:00.5 + 1 s → 09:00:01.5.
    start = paris("2026-06-08 09:00") + timedelta(microseconds=500_000)
    assert add_business_time(spec, start, timedelta(seconds=1)) == start + timedelta(seconds=1)
    # Due dates far away: Mon 8 June 09:00 + 70 h (10 working days) → Fri 19 June 18:00 (no holiday in between).
    assert add_business_time(spec, paris("2026-06-08 09:00"), 70 * HOUR) == paris("2026-06-19 18:00")


def test_due_date_is_the_inverse_of_business_time():
    spec = office(subdivision="57")
    start = paris("2026-03-30 10:17")
    for amount in (1, 59 * 60, 7 * HOUR, 100 * HOUR, 2000 * HOUR):
        due = add_business_time(spec, start, amount)
        assert due is not None
        assert business_seconds(spec, start, due) == amount


def test_a_calendar_that_never_opens_has_no_due_date():
    closed = CalendarSpec.build(time_zone="Europe/Paris", ranges=[])
    assert add_business_time(closed, paris("2026-06-08 09:00"), HOUR) is None
    assert business_seconds(closed, paris("2026-06-08 09:00"), paris("2026-07-08 09:00")) == 0


def test_24x7_across_the_spring_change():
    # 29 March 2026, Europe/Paris: 02:00 CET jumps to 03:00 CEST.
    # A 24×7 P1 of 4 h opened at 01:30 (00:30 UTC) is due at 04:30 UTC = 06:30 local.
    assert add_business_time(AROUND_THE_CLOCK, paris("2026-03-29 01:30"), 4 * HOUR) == paris("2026-03-29 06:30")
    # Noon to noon across the change: 23 real hours.
    assert hours(AROUND_THE_CLOCK, paris("2026-03-28 12:00"), paris("2026-03-29 12:00")) == 23
    # 24×7 ignores public holidays: 1 May counts.
    assert hours(AROUND_THE_CLOCK, paris("2026-05-01 00:00"), paris("2026-05-02 00:00")) == 24


def test_24x7_across_the_autumn_change():
    # 25 October 2026: 03:00 CEST falls back to 02:00 CET; the day lasts 25 h.
    assert hours(AROUND_THE_CLOCK, paris("2026-10-25 00:00"), paris("2026-10-26 00:00")) == 25
    # Opened at 01:30 CEST (23:30 UTC the day before) + 4 h = 03:30 UTC = 04:30 CET: 3 h later on the wall clock.
    assert add_business_time(AROUND_THE_CLOCK, paris("2026-10-25 01:30"), 4 * HOUR) == paris("2026-10-25 04:30")


def test_ranges_across_the_spring_change():
    # A range 01:00–04:00 every day: 01:00 CET = 00:00 UTC, 04:00 CEST = 02:00 UTC → 2 h on 29 March.
    night = every_day(time(1), time(4))
    assert hours(night, paris("2026-03-29 00:00"), paris("2026-03-30 00:00")) == 2
    assert hours(night, paris("2026-03-28 00:00"), paris("2026-03-29 00:00")) == 3
    # Open all day (00:00–00:00 = midnight to midnight): the 29 March lasts 23 h.
    whole = every_day(time(0), time(0))
    assert hours(whole, paris("2026-03-29 00:00"), paris("2026-03-30 00:00")) == 23
    # A range starting inside the missing hour opens when the clocks jump (03:00 CEST):
    # 02:30–05:00 → 03:00–05:00 CEST = 2 h (instead of 2 h 30 on other days).
    odd = every_day(time(2, 30), time(5))
    assert hours(odd, paris("2026-03-29 00:00"), paris("2026-03-30 00:00")) == 2
    assert hours(odd, paris("2026-03-30 00:00"), paris("2026-03-31 00:00")) == 2.5
    # A due date across the change with daily 08:00–20:00: Sat 28 March 19:00 + 2 h →
    # Sat 19–20 (1 h) + Sun 08:00–09:00 CEST (1 h) → Sun 29 March 09:00.
    daily = every_day(time(8), time(20))
    assert add_business_time(daily, paris("2026-03-28 19:00"), 2 * HOUR) == paris("2026-03-29 09:00")


def test_ranges_across_the_autumn_change():
    # A range 01:00–04:00 on 25 October: 01:00 CEST = 23:00 UTC (24th) to 04:00 CET = 03:00 UTC → 4 h:
    # the repeated hour 02:00–03:00 counts twice.
    night = every_day(time(1), time(4))
    assert hours(night, paris("2026-10-25 00:00"), paris("2026-10-26 00:00")) == 4
    whole = every_day(time(0), time(0))
    assert hours(whole, paris("2026-10-25 00:00"), paris("2026-10-26 00:00")) == 25
    # Office hours are not affected: Fri 23 October 17:00 → Mon 26 October 10:00 = 1 h + 1 h.
    assert hours(office(), paris("2026-10-23 17:00"), paris("2026-10-26 10:00")) == 2
    # A due date inside the repeated hour, 24×7: 00:30 CEST + 2 h = 22:30 UTC + 2 h = 00:30 UTC = 02:30 CEST
    # (the first of the two 02:30), i.e. UTC 00:30.
    due = add_business_time(AROUND_THE_CLOCK, paris("2026-10-25 00:30"), 2 * HOUR)
    assert due == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_two_time_zones():
    paris_office = office()
    montreal_office = CalendarSpec.build(
        time_zone="America/Montreal",
        ranges=[(day, time(9), time(17)) for day in WEEKDAYS],
        holiday_country="CA",
        holiday_subdivision="QC",
    )
    # Mon 8 June 2026 15:00 Paris (CEST, UTC+2) = 13:00 UTC = 09:00 Montreal (EDT, UTC−4).
    start = paris("2026-06-08 15:00")
    assert start == local("2026-06-08 09:00", MONTREAL)
    # + 4 h in Paris: 15–18 (3 h) + Tue 09–10 (1 h) → Tue 9 June 10:00 Paris.
    assert add_business_time(paris_office, start, 4 * HOUR) == paris("2026-06-09 10:00")
    # + 4 h in Montreal: 09:00–13:00 Montreal the same day = 19:00 Paris.
    assert add_business_time(montreal_office, start, 4 * HOUR) == local("2026-06-08 13:00", MONTREAL)
    assert add_business_time(montreal_office, start, 4 * HOUR) == paris("2026-06-08 19:00")
    # Quebec's national day (Wed 24 June 2026) is closed in Montreal, open in Paris.
    assert hours(montreal_office, local("2026-06-24 00:00", MONTREAL), local("2026-06-25 00:00", MONTREAL)) == 0
    assert hours(paris_office, paris("2026-06-24 00:00"), paris("2026-06-25 00:00")) == 7
    # Between the North American (8 March) and European (29 March) changes the gap is 5 h:
    # Mon 16 March 15:00 Paris (CET, UTC+1) = 14:00 UTC = 10:00 Montreal (EDT). Until 17:00 Montreal: 7 h.
    assert hours(montreal_office, paris("2026-03-16 15:00"), local("2026-03-16 17:00", MONTREAL)) == 7


def test_singapore_has_no_daylight_saving():
    spec = CalendarSpec.build(
        time_zone="Asia/Singapore", ranges=[(day, time(9), time(18)) for day in WEEKDAYS], holiday_country="SG"
    )
    # Fri 27 March 2026 17:00 SGT + 2 h: Fri 17–18 (1 h), Mon 30 March 09–10 (1 h) → Mon 10:00 SGT.
    assert add_business_time(spec, local("2026-03-27 17:00", SINGAPORE), 2 * HOUR) == local("2026-03-30 10:00", SINGAPORE)
    # Good Friday (3 April 2026) is a holiday in Singapore: Thu 2 April 17:00 → Mon 6 April 10:00 = 1 h + 1 h.
    assert hours(spec, local("2026-04-02 17:00", SINGAPORE), local("2026-04-06 10:00", SINGAPORE)) == 2


def test_open_intervals():
    # Thu 30 April 16:00 → Mon 4 May 10:00 (Paris): Thu 16–18, then Mon 09–10 (1 May is a holiday).
    found = list(open_intervals(office(), paris("2026-04-30 16:00"), paris("2026-05-04 10:00")))
    assert found == [
        (paris("2026-04-30 16:00"), paris("2026-04-30 18:00")),
        (paris("2026-05-04 09:00"), paris("2026-05-04 10:00")),
    ]


def test_overlapping_ranges_are_merged_and_reversed_ones_ignored():
    spec = CalendarSpec.build(
        time_zone="Europe/Paris",
        ranges=[(0, time(9), time(12)), (0, time(11), time(13)), (0, time(15), time(14))],
        holiday_country="",
    )
    assert spec.weekly[0] == ((9 * HOUR, 13 * HOUR),)
    # Mon 8 June 2026 whole day: 09–13 = 4 h.
    assert hours(spec, paris("2026-06-08 00:00"), paris("2026-06-09 00:00")) == 4


def test_specs_are_values():
    assert office() == office()
    assert hash(office()) == hash(office())
    assert office() != office(subdivision="57")
    assert clock_for(office()) is clock_for(office())


def test_microsecond_arithmetic_is_exact():
    start = datetime(2026, 6, 8, 7, 0, 0, 1, tzinfo=UTC)  # 09:00:00.000001 Paris
    end = start + timedelta(hours=2, microseconds=5)
    assert business_duration(office(), start, end) == timedelta(hours=2, microseconds=5)
    assert to_microseconds(start) % 1_000_000 == 1


@pytest.mark.django_db
def test_specs_from_the_database(world):
    # Monday 20:00–00:00 (00:00 as an end means midnight) and a closure on Mon 15 June 2026.
    calendar = make_calendar(
        world.client_a, "Soirées", days=[0], ranges=[(20, 0, 0, 0)], country="FR", closures=[date(2026, 6, 15)]
    )
    spec = spec_for(calendar)
    assert spec.weekly[0] == ((20 * HOUR, 24 * HOUR),)
    # Mon 8 June 2026: 20:00–24:00 = 4 h; Mon 15 June is closed.
    assert hours(spec, paris("2026-06-08 00:00"), paris("2026-06-09 00:00")) == 4
    assert hours(spec, paris("2026-06-15 00:00"), paris("2026-06-16 00:00")) == 0
    assert load_specs([calendar.pk]) == {calendar.pk: spec}


def test_validation_of_ranges_and_regions():
    validate_ranges([(0, time(9), time(12)), (0, time(14), time(0))])
    with pytest.raises(ValidationError) as overlap:
        validate_ranges([(0, time(9), time(12)), (0, time(11), time(14))])
    assert "ranges" in overlap.value.message_dict
    with pytest.raises(ValidationError):
        validate_ranges([(1, time(18), time(9))])
    validate_holiday_region("FR", "57")
    validate_holiday_region("FR", "6AE")
    validate_holiday_region("", "")
    with pytest.raises(ValidationError) as region:
        validate_holiday_region("FR", "99")
    assert "holiday_subdivision" in region.value.message_dict
    with pytest.raises(ValidationError) as country:
        validate_holiday_region("XX", "")
    assert "holiday_country" in country.value.message_dict
    validate_time_zone("America/Montreal")
    with pytest.raises(ValidationError):
        validate_time_zone("Europe/Atlantis")
    # An unknown region configured anyway does not break the clocks: no holidays.
    assert holiday_dates("XX", "", 2026) == frozenset()
    assert PARIS.key == "Europe/Paris"
