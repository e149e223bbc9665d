from datetime import UTC, date, datetime, timedelta

from services.measurement.periods import (
    buckets,
    local_date,
    london_midnight,
    month_start,
    next_period_start,
    period_start,
    periods_between,
    to_utc,
    week_start,
)


def test_weeks_start_on_monday():
    assert week_start(date(2026, 3, 2)) == date(2026, 3, 2)  # a Monday
    assert week_start(date(2026, 3, 8)) == date(2026, 3, 2)  # the Sunday after
    assert week_start(date(2026, 1, 1)) == date(2025, 12, 29)  # across a year
    assert period_start(date(2026, 3, 8), "week") == date(2026, 3, 2)


def test_months():
    assert month_start(date(2026, 2, 28)) == date(2026, 2, 1)
    assert next_period_start(date(2026, 12, 1), "month") == date(2027, 1, 1)
    assert next_period_start(date(2026, 3, 2), "week") == date(2026, 3, 9)


def test_local_date_follows_british_summer_time():
    # 23:30 UTC on Sunday 7 June 2026 is 00:30 BST on Monday 8 June: the next week.
    moment = datetime(2026, 6, 7, 23, 30, tzinfo=UTC)
    assert local_date(moment) == date(2026, 6, 8)
    assert week_start(local_date(moment)) == date(2026, 6, 8)
    # In winter London is on UTC.
    assert local_date(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == date(2026, 1, 31)
    # Month boundary in summer: 23:30 UTC on 30 June is 1 July in London.
    assert month_start(local_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))) == date(2026, 7, 1)


def test_naive_times_are_london_wall_clock():
    assert to_utc(datetime(2026, 7, 1, 9, 0)) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert london_midnight(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert london_midnight(date(2026, 1, 1)) == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


def test_periods_between():
    assert periods_between(date(2026, 3, 4), date(2026, 3, 16), "week") == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
    ]
    assert periods_between(date(2026, 11, 15), date(2027, 1, 1), "month") == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


def test_buckets_cached_per_utc_hour_match_the_london_calendar():
    cases = {
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC): (date(2026, 3, 23), date(2026, 3, 1)),
        datetime(2026, 3, 29, 23, 30, tzinfo=UTC): (date(2026, 3, 30), date(2026, 3, 1)),
        datetime(2026, 6, 30, 22, 59, tzinfo=UTC): (date(2026, 6, 29), date(2026, 6, 1)),
        datetime(2026, 6, 30, 23, 0, tzinfo=UTC): (date(2026, 6, 29), date(2026, 7, 1)),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC): (date(2026, 10, 19), date(2026, 10, 1)),
        datetime(2026, 12, 31, 23, 59, tzinfo=UTC): (date(2026, 12, 28), date(2026, 12, 1)),
    }
    for moment, expected in cases.items():
        assert buckets(moment) == expected, moment
        assert buckets(moment) == expected  # from the cache
        day = local_date(moment)
        assert expected == (week_start(day), month_start(day))
    # Every hour of a year (its first and last minute) agrees with converting each instant.
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hours in range(365 * 24):
        for minutes in (0, 59):
            moment = start + timedelta(hours=hours, minutes=minutes)
            day = local_date(moment)
            assert buckets(moment) == (week_start(day), month_start(day)), moment
