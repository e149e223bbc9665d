"""Per-day sums of responses (``response_day``) and the per team/measure version of what its
charts show (``series_version``), both written in the batch's own transaction.

Series and charts read the day sums, so a read costs O(days in range), not O(responses). Only
rows a batch really inserted are added (a retried or repeated row adds nothing), so the sums
always equal a GROUP BY over ``survey_response``. The version is raised by every change to a
team's chart of a measure (new rows, a note); cached charts are keyed by it (``charts``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.models import ResponseDay, SeriesVersion
from services.measurement.periods import london_buckets_by_hour, london_buckets_for_hour

# (team id as its integer, measure key, London date)
DayKey = tuple[int, str, date]
# [week start, month start, n, raw total, metric total or None, promoters, detractors,
#  top-box count or None]
Totals = list[Any]
# (measure key, version) -> its top box (lowest, highest answer counted)
TopBoxes = Mapping[tuple[str, int], tuple[int, int]]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_totals(
    rows: Iterable[tuple[int, str, int, datetime, int, int | None]], top_boxes: TopBoxes
) -> dict[DayKey, Totals]:
    """Day sums of stored rows: (team id integer, measure key, version, aware instant, raw,
    metric); a measure with a top box counts the answers in it."""
    days: dict[DayKey, Totals] = {}
    for team, measure, version, at, raw, metric in rows:
        if at.tzinfo is None:  # SQLite hands back naive UTC
            at = at.replace(tzinfo=UTC)
        hour = int((at - _EPOCH) // timedelta(hours=1))
        found = london_buckets_by_hour().get(hour)
        week, month, day = found if found is not None else london_buckets_for_hour(hour)
        totals = days.get((team, measure, day))
        if totals is None:
            totals = days[(team, measure, day)] = [week, month, 0, 0, None, 0, 0, None]
        totals[2] += 1
        totals[3] += raw
        if metric is not None:
            totals[4] = (totals[4] or 0) + metric
        totals[5] += raw >= 9
        totals[6] += raw <= 6
        box = top_boxes.get((measure, version))
        if box is not None:
            totals[7] = (totals[7] or 0) + (box[0] <= raw <= box[1])
    return days


# --- writing ------------------------------------------------------------------------------------


async def record(
    session: AsyncSession, days: Mapping[DayKey, Totals], pairs: Iterable[tuple[int, str]]
) -> None:
    """Add day sums and raise versions through the session (SQLite; PostgreSQL does both in
    the batch's storing statement, see ``batches``)."""
    postgresql = session.bind.dialect.name == "postgresql"
    insert = pg_insert if postgresql else sqlite_insert
    ordered = sorted(days.items())
    for start in range(0, len(ordered), 500):
        statement = insert(ResponseDay).values(
            [
                {
                    "team_id": uuid.UUID(int=team),
                    "measure_key": measure,
                    "day": day,
                    "week_start": totals[0],
                    "month_start": totals[1],
                    "n": totals[2],
                    "raw_total": totals[3],
                    "metric_total": totals[4],
                    "promoters": totals[5],
                    "detractors": totals[6],
                    "successes": totals[7],
                }
                for (team, measure, day), totals in ordered[start : start + 500]
            ]
        )
        new = statement.excluded
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["team_id", "measure_key", "day"],
                set_={
                    "n": ResponseDay.n + new.n,
                    "raw_total": ResponseDay.raw_total + new.raw_total,
                    "metric_total": case(
                        (new.metric_total.is_(None), ResponseDay.metric_total),
                        else_=func.coalesce(ResponseDay.metric_total, 0) + new.metric_total,
                    ),
                    "promoters": ResponseDay.promoters + new.promoters,
                    "detractors": ResponseDay.detractors + new.detractors,
                    "successes": case(
                        (new.successes.is_(None), ResponseDay.successes),
                        else_=func.coalesce(ResponseDay.successes, 0) + new.successes,
                    ),
                },
            )
        )
    await bump_versions(session, [(uuid.UUID(int=team), measure) for team, measure in pairs])


async def bump_versions(session: AsyncSession, pairs: Iterable[tuple[uuid.UUID, str]]) -> None:
    """Raise the version of each (team, measure): its cached charts are stale from now on."""
    ordered = sorted(set(pairs))
    if not ordered:
        return
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(SeriesVersion).values(
        [{"team_id": team, "measure_key": measure, "version": 1} for team, measure in ordered]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["team_id", "measure_key"],
            set_={"version": SeriesVersion.version + 1},
        )
    )
