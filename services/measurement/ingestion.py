"""Turning validated rows into stored rows, in bulk.

PostgreSQL: a new batch goes in by asyncpg COPY straight into the table (the raw bulk path,
inside a savepoint); a batch holding rows already stored (a retry) falls back to COPY into a
staging table and ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``. SQLite: the existing client
ids are read first (the write lock is held for the whole transaction, so the answer cannot go
stale), then multi-row inserts.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import asyncpg
from asyncpg.pgproto.pgproto import UUID as FastUUID
from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.models import MeasureValue, SurveyResponse
from services.measurement.periods import (
    london_buckets_by_hour,
    london_buckets_for_hour,
    london_midnight,
    period_start,
    to_utc,
)
from services.measurement.plan import SWEMWBS_METRIC, MeasureDefinition
from services.measurement.rows import BatchKind, ResponseRow, ValueRow
from services.measurement.validation import TeamInfo
from shared.errors import Conflict

RESPONSE_COLUMNS = (
    "organisation_id",
    "client_id",
    "team_id",
    "measure_key",
    "measure_version",
    "responded_at",
    "week_start",
    "month_start",
    "raw_score",
    "metric_x100",
    "items",
    "batch_id",
)
VALUE_COLUMNS = (
    "organisation_id",
    "client_id",
    "team_id",
    "measure_key",
    "measure_version",
    "period_start",
    "numerator",
    "denominator",
    "value",
    "batch_id",
)

# (team id as its integer, measure key): hashing a uuid.UUID runs Python code, an int's does not.
TeamMeasure = tuple[int, str]
SWEMWBS_METRIC_X100 = {raw: int(metric * 100) for raw, metric in SWEMWBS_METRIC.items()}
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Built:
    """A batch's rows as tuples to store, and how many rows each (team, measure) has."""

    records: list[tuple[Any, ...]]
    totals: dict[TeamMeasure, int]


def response_records(
    rows: Sequence[ResponseRow],
    *,
    organisation_id: uuid.UUID,
    batch_id: uuid.UUID,
    teams: Mapping[uuid.UUID, TeamInfo],
    plans: Mapping[uuid.UUID, Mapping[str, MeasureDefinition]],
    now: datetime,
) -> Built | None:
    """Rows -> tuples in RESPONSE_COLUMNS order (scored and bucketed), or None as soon as one
    row breaks a rule (``validation.validate_responses`` then names every failing row and field).

    The hot loop of ingestion, so it checks the same rules as the validator in their cheapest
    form: definitions and cohort start instants are resolved once per (team, measure), London
    buckets once per UTC hour. Response times stay aware (each store converts as it needs).
    UUIDs are handed to asyncpg as its own UUID type, which it encodes without Python calls.
    """
    # key -> (slot in counts, team id, version, item count, lowest, highest answer,
    #         metric table, first instant allowed)
    resolved: dict[
        TeamMeasure, tuple[int, uuid.UUID, int, int, int, int, dict[int, int] | None, float]
    ] = {}
    counts: list[int] = []
    keys: list[TeamMeasure] = []
    records: list[tuple[Any, ...]] = []
    append = records.append
    bucket_of = london_buckets_by_hour()
    now_ts = now.timestamp()
    organisation = FastUUID(organisation_id.bytes)
    batch = FastUUID(batch_id.bytes)
    for row in rows:
        team_id, measure, items = row.team_id, row.measure, row.items
        key = (team_id.int, measure)
        found = resolved.get(key)
        if found is None:
            team = teams.get(team_id)
            if team is None or team.withdrawn:
                return None
            definition = plans.get(team.cohort_id, {}).get(measure)
            if definition is None or not definition.takes_responses:
                return None
            assert definition.item_count is not None
            assert definition.item_min is not None and definition.item_max is not None
            metric_table = SWEMWBS_METRIC_X100 if definition.scoring == "swemwbs" else None
            found = resolved[key] = (
                len(counts),
                FastUUID(team_id.bytes),
                definition.version,
                definition.item_count,
                definition.item_min,
                definition.item_max,
                metric_table,
                london_midnight(team.cohort_start).timestamp(),
            )
            counts.append(0)
            keys.append(key)
        slot, team_uuid, version, count, low, high, metric_table, first_ts = found
        if len(items) != count or min(items) < low or max(items) > high:
            return None
        at = row.responded_at
        if at.tzinfo is None:
            at = to_utc(at)
        # One conversion to POSIX seconds serves both range checks and the London buckets.
        ts = at.timestamp()
        if ts > now_ts or ts < first_ts:
            return None
        hour = int(ts) // 3600
        week_month = bucket_of.get(hour)
        if week_month is None:
            week_month = london_buckets_for_hour(hour)
        raw = sum(items)
        counts[slot] += 1
        append(
            (
                organisation,
                row.client_id,
                team_uuid,
                measure,
                version,
                at,
                week_month[0],
                week_month[1],
                raw,
                metric_table[raw] if metric_table is not None else None,
                bytes(items),  # answers are 0-100 (see MeasureSpec): one byte each
                batch,
            )
        )
    return Built(records, dict(zip(keys, counts, strict=True)))


def value_records(
    rows: Sequence[ValueRow],
    *,
    organisation_id: uuid.UUID,
    batch_id: uuid.UUID,
    teams: Mapping[uuid.UUID, TeamInfo],
    plans: Mapping[uuid.UUID, Mapping[str, MeasureDefinition]],
) -> Built:
    records: list[tuple[Any, ...]] = []
    for row in rows:
        definition = plans[teams[row.team_id].cohort_id][row.measure]
        records.append(
            (
                organisation_id,
                row.client_id,
                row.team_id,
                row.measure,
                definition.version,
                period_start(row.period, definition.period),
                row.numerator,
                row.denominator,
                row.value,
                batch_id,
            )
        )
    return Built(records, dict(Counter((row.team_id.int, row.measure) for row in rows)))


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
    return await _store_sqlite(session, kind, built.records)


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
    """Fast path: COPY the batch straight into the table inside a savepoint, as a raw bulk load
    would. A batch holding any client id already stored (a retry), or one twice, fails that COPY
    on the primary key; it is then rolled back to the savepoint and goes the careful way: COPY
    into a staging table, then INSERT ... ON CONFLICT DO NOTHING, which keeps only new rows."""
    table, columns = _table_and_columns(kind)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg.Connection, inside SQLAlchemy's transaction
    try:
        try:
            async with driver.transaction():  # a savepoint
                await driver.copy_records_to_table(
                    table.name, records=built.records, columns=list(columns)
                )
        except asyncpg.UniqueViolationError:
            return await _store_postgresql_staging(driver, table.name, columns, built.records)
    except asyncpg.DeadlockDetectedError as exc:
        # Two batches sharing rows in opposite orders: PostgreSQL broke the tie by refusing
        # this one. Nothing of it is kept; a retry of the same batch is safe.
        raise Conflict("another batch with some of the same rows was being stored; retry") from exc
    return Counter(built.totals)


async def _store_postgresql_staging(
    driver: Any, table: str, columns: Sequence[str], records: Sequence[tuple[Any, ...]]
) -> Counter[TeamMeasure]:
    staging = f"{table}_staging"
    # A temporary table lives as long as the pooled connection (unlogged, no indexes: cheap).
    await driver.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table} INCLUDING DEFAULTS)"
    )
    await driver.copy_records_to_table(staging, records=records, columns=list(columns))
    names = ", ".join(columns)
    counts = await driver.fetch(
        f"WITH inserted AS ("  # noqa: S608 (fixed names only)
        f" INSERT INTO {table} ({names}) SELECT {names} FROM {staging}"
        f" ON CONFLICT (organisation_id, client_id) DO NOTHING"
        f" RETURNING team_id, measure_key)"
        f" SELECT team_id, measure_key, count(*) AS n FROM inserted GROUP BY team_id, measure_key"
    )
    # Empty it for the next batch on this connection (a rollback empties it as well).
    await driver.execute(f"TRUNCATE {staging}")
    return Counter({(row["team_id"].int, row["measure_key"]): int(row["n"]) for row in counts})


async def _store_sqlite(
    session: AsyncSession, kind: BatchKind, records: Sequence[tuple[Any, ...]]
) -> Counter[TeamMeasure]:
    table, columns = _table_and_columns(kind)
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
    return Counter((record[2].int, record[3]) for record in fresh)


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
