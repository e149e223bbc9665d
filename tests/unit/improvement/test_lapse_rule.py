"""When project meetings have lapsed: 21 days (configurable) without a meeting, counted within the
coaching months, once per lapse (services/improvement/rules/lapses.py)."""

from __future__ import annotations

from datetime import date

from services.improvement.rules.lapses import Lapse, meeting_lapse

COACHING = date(2021, 3, 1)
END = date(2021, 12, 31)


def lapse(
    today: date, last: date | None, recorded: tuple[date, ...] = (), days: int = 21
) -> Lapse | None:
    return meeting_lapse(
        today=today,
        coaching_starts_on=COACHING,
        programme_ends_on=END,
        last_meeting_on=last,
        lapse_days=days,
        recorded_since=recorded,
    )


def test_no_lapse_outside_the_coaching_months() -> None:
    assert lapse(date(2021, 2, 28), None) is None
    assert lapse(date(2022, 1, 1), date(2021, 11, 1)) is None


def test_days_count_from_the_last_meeting_or_the_first_coaching_day() -> None:
    assert lapse(date(2021, 3, 21), None) is None
    assert lapse(date(2021, 3, 22), None) == Lapse(since=COACHING, days=21)
    # A lead-in meeting does not postpone the first coaching lapse.
    assert lapse(date(2021, 3, 22), date(2021, 2, 20)) == Lapse(since=COACHING, days=21)
    assert lapse(date(2021, 4, 20), date(2021, 3, 31)) is None
    assert lapse(date(2021, 4, 21), date(2021, 3, 31)) == Lapse(since=date(2021, 3, 31), days=21)


def test_once_per_lapse_until_a_meeting_starts_a_new_one() -> None:
    assert lapse(date(2021, 4, 30), None, recorded=(COACHING,)) is None
    assert lapse(date(2021, 4, 30), date(2021, 4, 1), recorded=(COACHING,)) == Lapse(
        since=date(2021, 4, 1), days=29
    )


def test_the_number_of_days_is_configurable() -> None:
    assert lapse(date(2021, 3, 15), None, days=14) == Lapse(since=COACHING, days=14)
    assert lapse(date(2021, 3, 14), None, days=14) is None
