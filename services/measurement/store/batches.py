"""Storing a batch's tuples in bulk (see ``records``), whole or not at all.

PostgreSQL: asyncpg COPY into a staging table, then one statement that inserts the rows (a plain
INSERT in a savepoint; ``ON CONFLICT DO NOTHING RETURNING`` when the batch repeats any), adds the
inserted rows to the day sums and raises the versions (see ``rollup``). SQLite: the existing
client ids are read first (the write lock is held for the whole transaction, so the answer cannot
go stale), then multi-row inserts, day sums and versions.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.measures import MeasureDefinition
from services.measurement.models import (
    Batch,
    Cohort,
    MeasureDefinitionRow,
    MeasureValue,
    PlanMeasure,
    SurveyResponse,
    Team,
)
from services.measurement.periods import months_before, to_utc
from services.measurement.records import ROWS_PER_STEP, Built, TeamMeasure
from services.measurement.rows import BatchKind
from services.measurement.store import rollup
from services.measurement.store.access import readable_teams_of
from services.measurement.store.plan import DEFINITION_COLUMNS, definition_of, latest_versions
from services.measurement.validation import Plans, TeamInfo
from shared.auth import Principal
from shared.errors import Conflict

T = TypeVar("T")


def _columns(table: Any) -> tuple[str, ...]:
    """Every column of a stored row's table, in the table's order (the order of a record)."""
    return tuple(column.name for column in table.__table__.columns)


RESPONSE_COLUMNS = _columns(SurveyResponse)
VALUE_COLUMNS = _columns(MeasureValue)


async def teams_and_plans(
    session: AsyncSession, team_ids: set[uuid.UUID], *, months_before_start: int = 0
) -> tuple[dict[uuid.UUID, TeamInfo], Plans]:
    """The batch's teams and their cohorts' plans (measure key -> current definition), in one
    query: a row per team and planned measure. A team's data may be for London dates from
    ``months_before_start`` months before its cohort starts."""
    teams: dict[uuid.UUID, TeamInfo] = {}
    plans: dict[uuid.UUID, dict[str, MeasureDefinition]] = {}
    if not team_ids:
        return teams, plans
    latest = latest_versions()
    current = (
        select(*DEFINITION_COLUMNS)
        .join(
            latest,
            (MeasureDefinitionRow.key == latest.c.key)
            & (MeasureDefinitionRow.version == latest.c.version),
        )
        .subquery()
    )
    rows = await session.execute(
        select(
            Team.team_id,
            Team.organisation_id,
            Team.cohort_id,
            Team.withdrawn_on,
            Cohort.start_date,
            *current.c,
        )
        .join(Cohort, Cohort.cohort_id == Team.cohort_id)
        .outerjoin(PlanMeasure, PlanMeasure.cohort_id == Team.cohort_id)
        .outerjoin(current, current.c.key == PlanMeasure.measure_key)
        .where(Team.team_id.in_(list(team_ids)))
    )
    for row in rows:
        if row.team_id not in teams:
            teams[row.team_id] = TeamInfo(
                team_id=row.team_id,
                organisation_id=row.organisation_id,
                cohort_id=row.cohort_id,
                cohort_start=row.start_date,
                withdrawn=row.withdrawn_on is not None,
                data_from=months_before(row.start_date, months_before_start),
            )
        plan = plans.setdefault(row.cohort_id, {})
        if row.key is not None and row.key not in plan:
            plan[row.key] = definition_of(row)
    return teams, plans


async def readable_team_organisation(
    session: AsyncSession, *, principal: Principal, team_id: uuid.UUID
) -> uuid.UUID | None:
    """The organisation of a team the principal may read (None: no such team, or not theirs)."""
    found: uuid.UUID | None = (
        await session.execute(
            readable_teams_of(principal, Team.organisation_id).where(Team.team_id == team_id)
        )
    ).scalar_one_or_none()
    return found


async def add_batch(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID,
    organisation_id: uuid.UUID,
    api_key_id: uuid.UUID | None,
    uploaded_by: str | None,
    kind: BatchKind,
    new_rows: int,
    repeated_rows: int,
    accepted_at: datetime,
) -> None:
    """The accepted batch's own row (its rows are stored by ``store``)."""
    await session.execute(
        insert(Batch).values(
            batch_id=batch_id,
            organisation_id=organisation_id,
            api_key_id=api_key_id,
            uploaded_by=uploaded_by,
            kind=kind,
            new_rows=new_rows,
            repeated_rows=repeated_rows,
            accepted_at=accepted_at,
        )
    )


def _table_and_columns(kind: BatchKind) -> tuple[Any, tuple[str, ...]]:
    if kind == "responses":
        return SurveyResponse.__table__, RESPONSE_COLUMNS
    return MeasureValue.__table__, VALUE_COLUMNS


async def store(session: AsyncSession, kind: BatchKind, built: Built) -> Counter[TeamMeasure]:
    """Insert records whose (organisation, client id) is new. Returns new rows per team/measure."""
    if not built.records:
        return Counter()
    if session.bind.dialect.name == "postgresql":
        return await _store_postgresql(session, kind, built)
    return await _store_sqlite(session, kind, built)


def _fresh(records: Sequence[tuple[Any, ...]], existing: set[str]) -> list[tuple[Any, ...]]:
    """Records whose client id is neither stored nor earlier in the batch (the first one wins)."""
    seen = set(existing)
    fresh = []
    for record in records:
        if record[1] not in seen:
            seen.add(record[1])
            fresh.append(record)
    return fresh


async def _store_postgresql(
    session: AsyncSession, kind: BatchKind, built: Built
) -> Counter[TeamMeasure]:
    """COPY the batch into a staging table, then one statement inserts the rows (only those
    whose client id is new when the batch repeats any: retries, repeats and a client id twice
    in the batch add nothing), adds what it really inserted to the day sums, raises the versions
    of the (team, measure) pairs that got rows, and returns their counts. The database does the
    grouping: the service sends one COPY and one statement."""
    table, columns = _table_and_columns(kind)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg.Connection, inside SQLAlchemy's transaction
    staging = f"{table.name}_staging"
    try:
        # A temporary table lives as long as the pooled connection (no WAL, no indexes) and is
        # emptied by every commit or rollback.
        await driver.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table.name} INCLUDING DEFAULTS)"
            " ON COMMIT DELETE ROWS"
        )
        # In steps, as the records were built: the event loop serves others between them.
        for step in range(0, len(built.records), ROWS_PER_STEP):
            await driver.copy_records_to_table(
                staging, records=built.records[step : step + ROWS_PER_STEP], columns=list(columns)
            )
        boxes = bool(built.top_boxes)
        try:
            # Most batches are all new: a plain INSERT (no conflict checks, nothing returned)
            # in a savepoint; a repeated client id fails it on the primary key.
            async with driver.transaction():
                counts = await driver.fetch(_PG_STORE[kind, "new", boxes])
        except asyncpg.UniqueViolationError:
            counts = await driver.fetch(_PG_STORE[kind, "careful", boxes])
    except asyncpg.DeadlockDetectedError as exc:
        # Two batches sharing rows in opposite orders: PostgreSQL broke the tie by refusing
        # this one. Nothing of it is kept; a retry of the same batch is safe.
        raise Conflict("another batch with some of the same rows was being stored; retry") from exc
    return Counter({(row[0].int, row[1]): int(row[2]) for row in counts})


def _pg_store(kind: BatchKind, way: str, boxes: bool) -> str:
    """The storing statement: ``new`` inserts every staged row (and fails on a repeated one),
    ``careful`` only those whose client id is new; both add the inserted rows to the day sums,
    raise the versions of the (team, measure) pairs that got rows and return their counts.
    ``boxes``: some rows are of measures scored by the top box, whose day sums count the
    answers in it (read from each row's definition version); other batches skip that join."""
    table, columns = _table_and_columns(kind)
    names = ", ".join(columns)
    staging = f"{table.name}_staging"
    if way == "new":
        inserted = f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging}"  # noqa: S608
        source = staging
    else:
        returned = "team_id, measure_key" + (
            ", measure_version, responded_at, week_start, month_start, raw_score, metric_x100"
            if kind == "responses"
            else ""
        )
        inserted = (
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging}"  # noqa: S608
            f" ON CONFLICT (organisation_id, client_id) DO NOTHING RETURNING {returned}"
        )
        source = "inserted"
    # The London date of each new response, for its day sums (the buckets beside it were
    # computed by the service; the date is PostgreSQL's, with the same Europe/London rules).
    successes, joined = "NULL::bigint", source
    if boxes:
        successes = (
            "CASE WHEN max(m.top_box_min) IS NULL THEN NULL ELSE count(*) FILTER"
            " (WHERE s.raw_score BETWEEN m.top_box_min AND m.top_box_max) END"
        )
        joined = (
            f"{source} s LEFT JOIN measure_definition m"
            " ON m.key = s.measure_key AND m.version = s.measure_version"
        )
    days = (
        f""", days AS (
    INSERT INTO response_day AS d (team_id, measure_key, day, week_start, month_start, n,
                                   raw_total, metric_total, promoters, detractors, successes)
    SELECT team_id, measure_key, (responded_at AT TIME ZONE 'Europe/London')::date,
           min(week_start), min(month_start), count(*), sum(raw_score), sum(metric_x100),
           count(*) FILTER (WHERE raw_score >= 9), count(*) FILTER (WHERE raw_score <= 6),
           {successes}
    FROM {joined} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (team_id, measure_key, day) DO UPDATE SET
        n = d.n + excluded.n,
        raw_total = d.raw_total + excluded.raw_total,
        metric_total = CASE WHEN excluded.metric_total IS NULL THEN d.metric_total
                            ELSE coalesce(d.metric_total, 0) + excluded.metric_total END,
        promoters = d.promoters + excluded.promoters,
        detractors = d.detractors + excluded.detractors,
        successes = CASE WHEN excluded.successes IS NULL THEN d.successes
                         ELSE coalesce(d.successes, 0) + excluded.successes END
)"""  # noqa: S608
        if kind == "responses"
        else ""
    )
    # Rows are upserted sorted, so concurrent batches lock shared rows in the same order.
    return f"""
WITH inserted AS ({inserted}){days}, counts AS (
    SELECT team_id, measure_key, count(*) AS n FROM {source} GROUP BY 1, 2
), bumped AS (
    INSERT INTO series_version AS v (team_id, measure_key, version)
    SELECT team_id, measure_key, 1 FROM counts ORDER BY 1, 2
    ON CONFLICT (team_id, measure_key) DO UPDATE SET version = v.version + 1
)
SELECT team_id, measure_key, n FROM counts
"""  # noqa: S608 (fixed names only)


_PG_STORE: dict[tuple[BatchKind, str, bool], str] = {
    (kind, way, boxes): _pg_store(kind, way, boxes)
    for kind in ("responses", "values")
    for way in ("new", "careful")
    for boxes in (False, True)
}


async def _store_sqlite(
    session: AsyncSession, kind: BatchKind, built: Built
) -> Counter[TeamMeasure]:
    table, columns = _table_and_columns(kind)
    records = built.records
    organisation_id = records[0][0]
    client_ids = list({record[1] for record in records})
    existing: set[str] = set()
    for chunk in _chunks(client_ids, 500):
        result = await session.execute(
            select(table.c.client_id).where(
                table.c.organisation_id == organisation_id, table.c.client_id.in_(chunk)
            )
        )
        existing.update(result.scalars())
    fresh = _fresh(records, existing)
    # SQLite keeps date-times as text without a zone: store every instant in UTC.
    at = columns.index("responded_at") if "responded_at" in columns else None
    statement = sqlite_insert(table).on_conflict_do_nothing()
    for chunk in _chunks(fresh, 500):
        await session.execute(
            statement,
            [
                {
                    name: (to_utc(value) if position == at else value)
                    for position, (name, value) in enumerate(zip(columns, record, strict=True))
                }
                for record in chunk
            ],
        )
    new = Counter((record[2].int, record[3]) for record in fresh)
    days = (
        rollup.day_totals(
            ((r[2].int, r[3], r[4], r[5], r[8], r[9]) for r in fresh), built.top_boxes
        )
        if kind == "responses"
        else {}
    )
    await rollup.record(session, days, [key for key, n in new.items() if n])
    return new


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
