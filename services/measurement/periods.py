"""Period bucketing: ISO weeks starting Monday and calendar months, in Europe/London.

Buckets are computed once at ingestion and stored beside each row, so the database can group by a
plain date column (the same SQL on PostgreSQL and SQLite) and the series never depends on the
database's time-zone support.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

Period = Literal["week", "month"]


def local_date(moment: datetime) -> date:
    """The calendar date in Europe/London of an instant (a naive time is read as London time)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(LONDON).date()


def to_utc(moment: datetime) -> datetime:
    """An aware UTC instant; a naive time is read as Europe/London wall-clock time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment.astimezone(UTC)


def week_start(day: date) -> date:
    """The Monday that starts the ISO week holding ``day``."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def period_start(day: date, period: Period) -> date:
    return week_start(day) if period == "week" else month_start(day)


def next_period_start(start: date, period: Period) -> date:
    """The first day of the period after the one starting on ``start`` (an exclusive end)."""
    if period == "week":
        return start + timedelta(days=7)
    if start.month == 12:
        return date(start.year + 1, 1, 1)
    return date(start.year, start.month + 1, 1)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter:
    31 March less one month is 28 or 29 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def periods_between(first: date, last: date, period: Period) -> list[date]:
    """Start dates of every period touching [first, last], in order."""
    starts: list[date] = []
    current = period_start(first, period)
    while current <= last:
        starts.append(current)
        current = next_period_start(current, period)
    return starts


def london_midnight(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in Europe/London (00:00 GMT or BST)."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


_BUCKETS_BY_HOUR: dict[int, tuple[date, date, date]] = {}


def london_buckets_for_hour(hour: int) -> tuple[date, date, date]:
    """(week start, month start, date) in Europe/London of every instant in one UTC hour (given
    as hours since the epoch). UK clocks change on the hour (01:00 UTC), so a UTC hour never spans
    two London dates: ingestion converts once per hour, not once per response."""
    day = datetime.fromtimestamp(hour * 3600, LONDON).date()
    found = (week_start(day), month_start(day), day)
    if len(_BUCKETS_BY_HOUR) > 100_000:
        _BUCKETS_BY_HOUR.clear()
    _BUCKETS_BY_HOUR[hour] = found
    return found


def london_buckets_by_hour() -> dict[int, tuple[date, date, date]]:
    """The cache behind ``london_buckets_for_hour`` (read it directly in hot loops)."""
    return _BUCKETS_BY_HOUR


def buckets(moment: datetime) -> tuple[date, date]:
    """(week start, month start) in Europe/London of an instant (a naive one is London time)."""
    if moment.tzinfo is None:
        moment = to_utc(moment)
    hour = int(moment.timestamp()) // 3600
    found = _BUCKETS_BY_HOUR.get(hour)
    if found is None:
        found = london_buckets_for_hour(hour)
    return found[0], found[1]
