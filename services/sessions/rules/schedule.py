"""Drafting a cohort's default programme of learning sessions, learning sets and clinics.

Pure rules, no I/O. A coordinator changes any drafted session afterwards; these are defaults.

The defaults (decided here because the issue leaves them open):

* The programme runs ``lead_in_months + coaching_months`` calendar months (2 + 10 = 12), month 0
  being the calendar month of the cohort's start date.
* Six **learning sessions** (virtual, 10:00-16:00 UK time) on the **second Thursday** of the
  month. The first is in the last month of the lead-in (so teams are set up before it and it
  launches the coaching months), the last in the programme's final month, the others spread evenly
  between them: with 2 + 10 months that is months 1, 3, 5, 7, 9 and 11.
* One **learning set** (virtual, 14:00-15:30 UK time) on the **third Tuesday** of each coaching
  month, i.e. the same weekday every month, in a different week from a learning session.
* One **clinic** (virtual, 12:30-13:30 UK time), a drop-in for project leads with a coach, on
  the **first Tuesday** of each coaching month: a fortnight before that month's learning set, so
  teams meet the programme every other week (clinic, set, clinic, set...).
* A date that would fall before the cohort's start date moves to the first such weekday on or
  after it (only possible when the first learning session falls in month 0).

Times are chosen as Europe/London wall-clock times and stored as UTC, so a learning set at 14:00
is 14:00Z in March before the clocks go forward and 13:00Z in April.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from shared.clock import LONDON, uk_date

SessionKind = Literal["learning_session", "learning_set", "clinic"]
SessionMode = Literal["virtual", "in_person", "hybrid"]
SessionStatus = Literal["scheduled", "cancelled"]

LEARNING_SESSIONS = 6


@dataclass(frozen=True)
class Slot:
    """When a kind of session falls: the ``week``-th ``weekday`` (Monday 0) of a month, from
    ``start`` to ``end`` UK time."""

    weekday: int
    week: int
    start: time
    end: time


LEARNING_SESSION = Slot(weekday=3, week=2, start=time(10, 0), end=time(16, 0))  # 2nd Thursday
# One of each per coaching month, in the order they are drafted.
MONTHLY: dict[SessionKind, Slot] = {
    "learning_set": Slot(weekday=1, week=3, start=time(14, 0), end=time(15, 30)),  # 3rd Tuesday
    "clinic": Slot(weekday=1, week=1, start=time(12, 30), end=time(13, 30)),  # 1st Tuesday
}


@dataclass(frozen=True)
class DraftSession:
    """A drafted session; ``ordinal`` numbers the sessions of one kind from 1."""

    kind: SessionKind
    ordinal: int
    title: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


def after_withdrawal(starts_at: datetime, withdrawn_on: date | None) -> bool:
    """A session on a UK day after the team withdrew is off the team's programme."""
    return withdrawn_on is not None and uk_date(starts_at) > withdrawn_on


def london_to_utc(day: date, at: time) -> datetime:
    """A UK wall-clock time on a day, as an aware UTC datetime (GMT or BST as the day requires)."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` (1-based) ``weekday`` (Monday 0) of a calendar month."""
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (nth - 1))


def _on_or_after(day: date, earliest: date, weekday: int) -> date:
    if day >= earliest:
        return day
    return earliest + timedelta(days=(weekday - earliest.weekday()) % 7)


def learning_session_months(lead_in_months: int, coaching_months: int) -> list[int]:
    """Month offsets (0 = the start month) of the six learning sessions."""
    total = lead_in_months + coaching_months
    if total <= 0:
        raise ValueError("a programme needs at least one month")
    first = max(lead_in_months - 1, 0)
    last = total - 1
    span = last - first
    return [first + round(i * span / (LEARNING_SESSIONS - 1)) for i in range(LEARNING_SESSIONS)]


def _drafted(
    kind: SessionKind, ordinal: int, start_date: date, offset: int, slot: Slot
) -> DraftSession:
    """The ``ordinal``-th session of a kind, in its slot of month ``offset``."""
    year, month = add_months(start_date.year, start_date.month, offset)
    day = _on_or_after(nth_weekday(year, month, slot.weekday, slot.week), start_date, slot.weekday)
    return DraftSession(
        kind=kind,
        ordinal=ordinal,
        title=f"{kind.replace('_', ' ').capitalize()} {ordinal}",
        starts_at=london_to_utc(day, slot.start),
        ends_at=london_to_utc(day, slot.end),
    )


def draft_programme(
    *, start_date: date, lead_in_months: int, coaching_months: int
) -> list[DraftSession]:
    """The default sessions of a cohort, in time order."""
    months = learning_session_months(lead_in_months, coaching_months)
    drafts = [
        _drafted("learning_session", ordinal, start_date, offset, LEARNING_SESSION)
        for ordinal, offset in enumerate(months, 1)
    ]
    drafts += [
        _drafted(kind, ordinal, start_date, lead_in_months + ordinal - 1, slot)
        for kind, slot in MONTHLY.items()
        for ordinal in range(1, coaching_months + 1)
    ]
    drafts.sort(key=lambda d: d.starts_at)
    return drafts
