"""What a team's charts of a measure are made of besides the series (the team, the cohort's
target, the data version, the measure's definition, the notes), read for a reader through the
readable statement of teams, and the two caches of the chart read.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.chart_options import Note
from services.measurement.measures import MeasureDefinition
from services.measurement.models import (
    ChartAnnotation,
    MeasureDefinitionRow,
    PlanMeasure,
    SeriesVersion,
    Team,
)
from services.measurement.store.access import readable_teams, readable_teams_of, reader
from services.measurement.store.plan import DEFINITION_COLUMNS, definition_of
from shared.auth import Principal


@dataclass(frozen=True, slots=True)
class TeamMeasure:
    """A readable team and a measure, as its charts need them (one query per request)."""

    team_name: str
    organisation_id: uuid.UUID
    target: Decimal | None  # the cohort's target for the measure
    data_version: int  # series_version: raised by new rows and notes
    definition: MeasureDefinition | None  # the current one; None: no such measure


_TEAM_MEASURE = (
    readable_teams(
        Team.name.label("team_name"),
        Team.organisation_id,
        PlanMeasure.target,
        SeriesVersion.version.label("data_version"),
        *DEFINITION_COLUMNS,
    )
    .outerjoin(MeasureDefinitionRow, MeasureDefinitionRow.key == bindparam("measure_key"))
    .outerjoin(
        PlanMeasure,
        (PlanMeasure.cohort_id == Team.cohort_id)
        & (PlanMeasure.measure_key == bindparam("measure_key")),
    )
    .outerjoin(
        SeriesVersion,
        (SeriesVersion.team_id == Team.team_id)
        & (SeriesVersion.measure_key == bindparam("measure_key")),
    )
    .where(Team.team_id == bindparam("team_id"))
    .order_by(MeasureDefinitionRow.version.desc())
    .limit(1)
)
# The same statement as asyncpg runs it (compiled once from the one above).
_COMPILED = _TEAM_MEASURE.compile(dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]
_TEAM_MEASURE_SQL = _COMPILED.string
_TEAM_MEASURE_ARGS: tuple[str, ...] = tuple(_COMPILED.positiontup or ())
_TEAM_MEASURE_DEFAULTS = dict(_COMPILED.params)

# Validated definitions by (key, version). Bound: 1,000, emptied when full. Never stale: a version
# once written never changes (an edit writes the next version, a new key).
_DEFINITIONS: dict[tuple[str, int], MeasureDefinition] = {}
DEFINITION_CACHE_SIZE = 1000


async def team_measure(
    session: AsyncSession, *, principal: Principal, team_id: uuid.UUID, measure_key: str
) -> TeamMeasure | None:
    """The team and the measure, or None when the principal may not read the team (or there is
    no such team)."""
    row: Any
    params = {"team_id": team_id, "measure_key": measure_key, **reader(principal)}
    if session.bind.dialect.name == "postgresql":
        # The hottest read of the service: straight through asyncpg (a prepared statement it
        # keeps per connection) skips SQLAlchemy's per-execution work, the larger part here.
        connection = await session.connection()
        driver: Any = (await connection.get_raw_connection()).driver_connection
        given = {**_TEAM_MEASURE_DEFAULTS, **params}
        record = await driver.fetchrow(
            _TEAM_MEASURE_SQL, *(given[name] for name in _TEAM_MEASURE_ARGS)
        )
        row = None if record is None else SimpleNamespace(**record)
    else:
        row = (await session.execute(_TEAM_MEASURE, params)).one_or_none()
    if row is None:
        return None
    definition = None
    if row.key is not None:
        definition = _DEFINITIONS.get((row.key, row.version))
        if definition is None:
            definition = definition_of(row)
            if len(_DEFINITIONS) > DEFINITION_CACHE_SIZE:
                _DEFINITIONS.clear()
            _DEFINITIONS[(row.key, row.version)] = definition
    return TeamMeasure(
        team_name=row.team_name,
        organisation_id=row.organisation_id,
        target=row.target,
        data_version=int(row.data_version or 0),
        definition=definition,
    )


# --- notes --------------------------------------------------------------------------------------


def _notes_of(team_id: uuid.UUID, measure_key: str, *columns: Any) -> Any:
    return (
        select(*columns)
        .where(ChartAnnotation.team_id == team_id, ChartAnnotation.measure_key == measure_key)
        .order_by(ChartAnnotation.day, ChartAnnotation.created_at)
    )


async def annotation_rows(
    session: AsyncSession, *, team_id: uuid.UUID, measure_key: str
) -> list[ChartAnnotation]:
    """The notes on a team's measure as stored, oldest day first."""
    rows = await session.execute(_notes_of(team_id, measure_key, ChartAnnotation))
    return list(rows.scalars())


async def notes(session: AsyncSession, *, team_id: uuid.UUID, measure_key: str) -> list[Note]:
    """The notes on a team's measure, oldest day first (only what a chart shows of them)."""
    rows = await session.execute(
        _notes_of(team_id, measure_key, ChartAnnotation.day, ChartAnnotation.note)
    )
    return [Note(day, note) for day, note in rows]


async def add_annotation(session: AsyncSession, annotation: ChartAnnotation) -> None:
    session.add(annotation)
    await session.flush()


async def add_cycle_note(session: AsyncSession, note: ChartAnnotation) -> bool:
    """Add a PDSA cycle's note unless the team's measure has it already for that cycle and stage
    (the unique index decides, even against a concurrent delivery); False when it had."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    values = {
        column.name: getattr(note, column.name) for column in ChartAnnotation.__table__.columns
    }
    statement = insert(ChartAnnotation).values(**values).on_conflict_do_nothing()
    inserted = await session.execute(statement.returning(ChartAnnotation.id))
    return inserted.first() is not None


# --- team chart answers -------------------------------------------------------------------------


class ChartCache:
    """Team chart answers (their JSON), keyed by everything an answer depends on.

    Bound: ``size`` answers; the least recently used goes first.
    Invalidation: none by hand. The key holds the team's data version (``series_version``, raised
    in the transaction of every write that changes its charts: new rows, a note) and the other
    inputs that can change (the cohort's target, the team's name, the definition's version), all
    read from the database on each request: a changed chart has a new key, on every replica, and
    the stale answer is never served again (it ages out). Concurrent requests for an answer being
    made wait for it instead of making it again.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._in_flight: dict[Hashable, asyncio.Future[bytes | None]] = {}

    def __len__(self) -> int:
        return len(self._answers)

    async def answer(self, key: Hashable, make: Callable[[], Awaitable[bytes]]) -> bytes:
        """The cached answer for ``key``, or the one ``make`` makes (once, for all who ask)."""
        body = self._answers.get(key)
        if body is not None:
            self._answers.move_to_end(key)
            return body
        pending = self._in_flight.get(key)
        if pending is not None:
            await asyncio.wait([pending])
            body = None if pending.cancelled() else pending.result()
            if body is not None:
                return body
            # The first request failed or went away: make it here (the same error, if any).
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            body = await make()
        finally:
            if self._in_flight.get(key) is future:
                del self._in_flight[key]
            future.set_result(body)
        self._answers[key] = body
        if len(self._answers) > self.size:
            self._answers.popitem(last=False)
        return body


CHART_CACHE_SIZE = 512
TEAM_CHARTS = ChartCache(CHART_CACHE_SIZE)


@dataclass(frozen=True, slots=True)
class CohortTeam:
    """A team of a cohort, as collaborative charts and the report need it."""

    team_id: uuid.UUID
    name: str
    organisation_id: uuid.UUID
    withdrawn_on: date | None


async def readable_cohort_teams(
    session: AsyncSession, *, principal: Principal, cohort_id: uuid.UUID
) -> dict[uuid.UUID, CohortTeam]:
    """Team id -> the cohort's teams that the principal may read, by name."""
    rows = await session.execute(
        readable_teams_of(
            principal, Team.team_id, Team.name, Team.organisation_id, Team.withdrawn_on
        )
        .where(Team.cohort_id == cohort_id)
        .order_by(Team.name, Team.team_id)
    )
    return {row.team_id: CohortTeam(*row) for row in rows}
