"""The default programme drafted for a cohort: dates, UK local times, UTC storage."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.sessions.rules.schedule import (
    add_months,
    draft_programme,
    learning_session_months,
    london_to_utc,
    nth_weekday,
)
from shared.clock import LONDON


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_cohort_starting_4_january_2021_gets_the_default_programme() -> None:
    drafts = draft_programme(start_date=date(2021, 1, 4), lead_in_months=2, coaching_months=10)

    sessions = [d for d in drafts if d.kind == "learning_session"]
    sets = [d for d in drafts if d.kind == "learning_set"]
    clinics = [d for d in drafts if d.kind == "clinic"]
    assert len(drafts) == 26
    # Second Thursday of Feb, Apr, Jun, Aug, Oct, Dec 2021, 10:00-16:00 UK time.
    assert [(s.starts_at, s.ends_at) for s in sessions] == [
        (utc(2021, 2, 11, 10), utc(2021, 2, 11, 16)),  # GMT
        (utc(2021, 4, 8, 9), utc(2021, 4, 8, 15)),  # BST
        (utc(2021, 6, 10, 9), utc(2021, 6, 10, 15)),
        (utc(2021, 8, 12, 9), utc(2021, 8, 12, 15)),
        (utc(2021, 10, 14, 9), utc(2021, 10, 14, 15)),
        (utc(2021, 12, 9, 10), utc(2021, 12, 9, 16)),  # GMT again
    ]
    # Third Tuesday of each coaching month, March to December 2021, 14:00-15:30 UK time.
    assert [(s.starts_at, s.ends_at) for s in sets] == [
        (utc(2021, 3, 16, 14), utc(2021, 3, 16, 15, 30)),  # before the clocks go forward (28 Mar)
        (utc(2021, 4, 20, 13), utc(2021, 4, 20, 14, 30)),  # after: 14:00 BST is 13:00 UTC
        (utc(2021, 5, 18, 13), utc(2021, 5, 18, 14, 30)),
        (utc(2021, 6, 15, 13), utc(2021, 6, 15, 14, 30)),
        (utc(2021, 7, 20, 13), utc(2021, 7, 20, 14, 30)),
        (utc(2021, 8, 17, 13), utc(2021, 8, 17, 14, 30)),
        (utc(2021, 9, 21, 13), utc(2021, 9, 21, 14, 30)),
        (utc(2021, 10, 19, 13), utc(2021, 10, 19, 14, 30)),
        (utc(2021, 11, 16, 14), utc(2021, 11, 16, 15, 30)),  # after the clocks go back (31 Oct)
        (utc(2021, 12, 21, 14), utc(2021, 12, 21, 15, 30)),
    ]
    # Shown in UK time, every one is at the same wall-clock time.
    assert {s.starts_at.astimezone(LONDON).time() for s in sessions} == {time(10)}
    assert {s.starts_at.astimezone(LONDON).time() for s in sets} == {time(14)}
    assert {s.starts_at.astimezone(LONDON).weekday() for s in sets} == {1}
    assert [s.title for s in sessions][:2] == ["Learning session 1", "Learning session 2"]
    assert sets[-1].title == "Learning set 10"
    assert drafts == sorted(drafts, key=lambda d: d.starts_at)
    # The first learning session is in the lead-in, before any learning set.
    assert sessions[0].starts_at < sets[0].starts_at
    # A clinic on the first Tuesday of each coaching month, 12:30-13:30 UK time: a fortnight
    # before that month's learning set.
    assert [(c.starts_at, c.ends_at) for c in clinics[:3]] == [
        (utc(2021, 3, 2, 12, 30), utc(2021, 3, 2, 13, 30)),  # GMT
        (utc(2021, 4, 6, 11, 30), utc(2021, 4, 6, 12, 30)),  # BST
        (utc(2021, 5, 4, 11, 30), utc(2021, 5, 4, 12, 30)),
    ]
    assert len(clinics) == 10
    assert [c.title for c in clinics][::9] == ["Clinic 1", "Clinic 10"]
    assert {c.starts_at.astimezone(LONDON).time() for c in clinics} == {time(12, 30)}
    assert all((s.starts_at - c.starts_at).days == 14 for c, s in zip(clinics, sets, strict=True))


def test_learning_session_months_spread_from_the_lead_in_to_the_end() -> None:
    assert learning_session_months(2, 10) == [1, 3, 5, 7, 9, 11]
    assert learning_session_months(0, 12) == [0, 2, 4, 7, 9, 11]
    assert learning_session_months(1, 5) == [0, 1, 2, 3, 4, 5]


def test_a_first_session_before_the_start_date_moves_to_the_next_thursday() -> None:
    # Starting 20 Jan 2022 with a one-month lead-in: 2nd Thursday of Jan (13th) is too early.
    drafts = draft_programme(start_date=date(2022, 1, 20), lead_in_months=1, coaching_months=11)
    first = drafts[0]
    assert first.kind == "learning_session"
    assert first.starts_at == utc(2022, 1, 20, 10)


def test_helpers() -> None:
    assert add_months(2021, 11, 3) == (2022, 2)
    assert nth_weekday(2021, 3, 1, 3) == date(2021, 3, 16)
    assert london_to_utc(date(2021, 3, 28), time(12)) == utc(2021, 3, 28, 11)
    with pytest.raises(ValueError):
        learning_session_months(0, 0)


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    lead_in=st.integers(min_value=0, max_value=3),
    coaching=st.integers(min_value=6, max_value=12),
)
def test_every_draft_is_on_or_after_the_start_and_within_the_programme(
    start: date, lead_in: int, coaching: int
) -> None:
    drafts = draft_programme(start_date=start, lead_in_months=lead_in, coaching_months=coaching)
    assert sum(d.kind == "learning_session" for d in drafts) == 6
    assert sum(d.kind == "learning_set" for d in drafts) == coaching
    assert sum(d.kind == "clinic" for d in drafts) == coaching
    assert len({(d.kind, d.ordinal) for d in drafts}) == len(drafts)  # the drafts' keys
    end_year, end_month = add_months(start.year, start.month, lead_in + coaching)
    for d in drafts:
        local = d.starts_at.astimezone(LONDON)
        assert local.date() >= start
        assert local.date() < date(end_year, end_month, 1)
        assert d.starts_at.tzinfo is UTC
        assert d.ends_at > d.starts_at
