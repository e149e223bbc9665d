"""The one clock. Only this module reads the wall clock for the services.

Routes take it as the ``Clock`` dependency (``clock: Clock`` then ``clock.now()``); event handlers
find it on their context (``context.clock``); background loops get it from the app. A test gives
the app a :class:`MovableClock` and moves time across a deadline, a cutoff or a lapse, and every
route, handler and loop of that app sees the same "now".

Times are UTC and timezone-aware; :func:`uk_date` and :data:`LONDON` turn them into the UK dates
that deadlines, documents and sessions are stated in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Protocol
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

LONDON = ZoneInfo("Europe/London")


class TimeSource(Protocol):
    """What a clock does: tell the current instant (UTC, timezone-aware)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class MovableClock:
    """A clock tests set and move; it stands still between moves."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("a clock runs on timezone-aware time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a clock runs on timezone-aware time")
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def uk_date(moment: datetime) -> date:
    """The calendar date in the UK of an instant (documents and deadlines are dated in UK time)."""
    return moment.astimezone(LONDON).date()


async def get_clock(request: Request) -> TimeSource:
    """The app's clock (``app.state.clock``). Async: a plain ``def`` dependency would run in a
    worker thread on every request."""
    clock: TimeSource = request.app.state.clock
    return clock


# The route dependency: ``async def route(..., clock: Clock)``.
Clock = Annotated[TimeSource, Depends(get_clock)]
