"""Turning a batch's rows into the tuples ingestion stores, in one pass (pure: no database).

Validated rows (``response_records``, ``value_records``), or (the common case) a plain JSON batch
read without a model per row (``plain_response_records``). A tuple holds a stored row's values in
the order of its table's columns (``store.batches`` copies them in that order); responses are
scored and bucketed into London weeks and months here, so the database groups by plain dates.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asyncpg.pgproto.pgproto import UUID as FastUUID

from services.measurement.measures import SWEMWBS_METRIC
from services.measurement.periods import (
    london_buckets_by_hour,
    london_buckets_for_hour,
    london_midnight,
    period_start,
    to_utc,
)
from services.measurement.rows import (
    MAX_CLIENT_ID,
    MAX_ITEMS,
    MAX_MEASURE_KEY,
    ResponseRow,
    ValueRow,
)
from services.measurement.validation import Plans, TeamInfo

# (team id as its integer, measure key): hashing a uuid.UUID runs Python code, an int's does not.
TeamMeasure = tuple[int, str]
SWEMWBS_METRIC_X100 = {raw: int(metric * 100) for raw, metric in SWEMWBS_METRIC.items()}


@dataclass(frozen=True, slots=True)
class BatchContext:
    """What a batch's rows are checked against and stored with: whose batch it is, its id, the
    teams it names with their cohorts' plans, and the time it arrived."""

    organisation_id: uuid.UUID
    batch_id: uuid.UUID
    teams: Mapping[uuid.UUID, TeamInfo]
    plans: Plans
    now: datetime


# (measure key, version) -> the answers in its top box (lowest, highest)
TopBoxes = dict[tuple[str, int], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Built:
    """A batch's rows as tuples to store, how many rows each (team, measure) has, and the top
    boxes of the measures among them scored by the top box (their day sums count it)."""

    records: list[tuple[Any, ...]]
    totals: dict[TeamMeasure, int]
    top_boxes: TopBoxes = field(default_factory=dict)


def response_records(rows: Sequence[ResponseRow], batch: BatchContext) -> Built | None:
    """Validated rows -> tuples to store (see ``_records``), or None when one breaks a rule."""
    return _records(
        ((row.client_id, row.team_id, row.measure, row.responded_at, row.items) for row in rows),
        batch,
    )


# --- plain JSON batches, without a model per row ------------------------------------------------

_UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", re.ASCII
)
# RFC 3339 date-times (offset optional): read alike by pydantic and datetime.fromisoformat.
_INSTANT_TEXT = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?", re.ASCII
)
_FIELDS = ("client_id", "team_id", "measure", "responded_at", "items")


def plain_team_ids(rows: list[Any]) -> dict[str, uuid.UUID] | None:
    """Team id text -> UUID for rows parsed from JSON (``rows.plain_json_rows``), or None when
    a row is not an object with a team id in the canonical 8-4-4-4-12 form."""
    texts: set[str] = set()
    for row in rows:
        if type(row) is not dict:
            return None
        text = row.get("team_id")
        if type(text) is not str:
            return None
        texts.add(text)
    if not all(_UUID_TEXT.fullmatch(text) for text in texts):
        return None
    return {text: uuid.UUID(text) for text in texts}


# Rows handled between two returns to the event loop (a few milliseconds of work): other
# requests are served meanwhile instead of waiting for the whole batch.
ROWS_PER_STEP = 1_000


async def plain_response_records(
    rows: list[dict[str, Any]], batch: BatchContext, *, team_of: Mapping[str, uuid.UUID]
) -> Built | None:
    """``response_records`` straight from parsed JSON objects, in one pass with no model per
    row. None when a row breaks a rule or is not plain: exactly the five fields, in a form the
    row model reads without conversion (a subset of what ``ResponseRow`` accepts, read to the
    same values, so a batch stored this way is stored exactly as the model would store it). The
    validating path then answers as it always does (stores it, or names every problem)."""
    records = _Records(batch)
    add = records.add
    instant = _INSTANT_TEXT.fullmatch
    parse = datetime.fromisoformat
    fields = len(_FIELDS)
    for step in range(0, len(rows), ROWS_PER_STEP):
        if step:
            await asyncio.sleep(0)
        for row in rows[step : step + ROWS_PER_STEP]:
            if len(row) != fields:
                return None
            client_id, measure = row.get("client_id"), row.get("measure")
            at_text, items = row.get("responded_at"), row.get("items")
            if (
                type(client_id) is not str
                or not 0 < len(client_id) <= MAX_CLIENT_ID
                or "\x00" in client_id  # refused by the model (a database cannot store it)
                or type(measure) is not str
                or not 0 < len(measure) <= MAX_MEASURE_KEY
                or type(at_text) is not str
                or instant(at_text) is None
                or type(items) is not list
                or not 0 < len(items) <= MAX_ITEMS
            ):
                return None
            try:
                # Also the check that every answer is an integer (booleans read as 0/1, as the
                # model reads them); anything else, or beyond a byte, goes the validating way.
                answers = bytes(items)
                at = parse(at_text)
            except (TypeError, ValueError):
                return None
            if not add(client_id, team_of[row["team_id"]], measure, at, answers):
                return None
    return records.built()


# (slot in counts, team id, version, item count, the allowed answers as bytes (lowest to
#  highest), metric table, first instant allowed)
Resolved = tuple[int, uuid.UUID, int, int, bytes, dict[int, int] | None, float]


class _Resolver:
    """Per (team, measure) of a batch: its definition and cohort start, resolved once, and how
    many rows it has."""

    def __init__(
        self,
        teams: Mapping[uuid.UUID, TeamInfo],
        plans: Plans,
    ) -> None:
        self.teams, self.plans = teams, plans
        self.known: dict[TeamMeasure, Resolved] = {}
        self.counts: list[int] = []
        self.keys: list[TeamMeasure] = []
        self.top_boxes: TopBoxes = {}

    def __call__(self, key: TeamMeasure, team_id: uuid.UUID, measure: str) -> Resolved | None:
        """None when the team is unknown or withdrawn, or the measure takes no responses."""
        team = self.teams.get(team_id)
        if team is None or team.withdrawn:
            return None
        definition = self.plans.get(team.cohort_id, {}).get(measure)
        if definition is None or not definition.takes_responses:
            return None
        assert definition.item_count is not None
        assert definition.item_min is not None and definition.item_max is not None
        if definition.scoring == "top_box":
            assert definition.top_box_min is not None and definition.top_box_max is not None
            box = (definition.top_box_min, definition.top_box_max)
            self.top_boxes[(definition.key, definition.version)] = box
        found = self.known[key] = (
            len(self.counts),
            FastUUID(team_id.bytes),
            definition.version,
            definition.item_count,
            bytes(range(definition.item_min, definition.item_max + 1)),
            SWEMWBS_METRIC_X100 if definition.scoring == "swemwbs" else None,
            london_midnight(team.first_day).timestamp(),
        )
        self.counts.append(0)
        self.keys.append(key)
        return found

    def totals(self) -> dict[TeamMeasure, int]:
        return dict(zip(self.keys, self.counts, strict=True))


def _records(
    rows: Iterable[tuple[str, uuid.UUID, str, datetime, list[int]]], batch: BatchContext
) -> Built | None:
    """Rows (client id, team id, measure, time, answers) -> tuples in the table's column order
    (scored and bucketed), or None as soon as one row breaks a rule
    (``validation.validate_responses`` then names every failing row and field).
    """
    records = _Records(batch)
    for client_id, team_id, measure, at, items in rows:
        try:
            answers = bytes(items)  # answers are 0-100 (see MeasureSpec): one byte each
        except ValueError:  # below 0 or beyond a byte: outside every measure's range
            return None
        if not records.add(client_id, team_id, measure, at, answers):
            return None
    return records.built()


class _Records:
    """Stored tuples in ``survey_response``'s column order, one row at a time (both paths above).

    The hot loop of ingestion, so it checks the same rules as the validator in their cheapest
    form: definitions and cohort start instants are resolved once per (team, measure), London
    buckets once per UTC hour. Response times stay aware (each store converts as it needs).
    UUIDs are handed to asyncpg as its own UUID type, which it encodes without Python calls.
    """

    def __init__(self, batch: BatchContext) -> None:
        self.resolve = _Resolver(batch.teams, batch.plans)
        self.records: list[tuple[Any, ...]] = []
        self.bucket_of = london_buckets_by_hour()
        self.now_ts = batch.now.timestamp()
        self.organisation = FastUUID(batch.organisation_id.bytes)
        self.batch = FastUUID(batch.batch_id.bytes)

    def add(
        self, client_id: str, team_id: uuid.UUID, measure: str, at: datetime, answers: bytes
    ) -> bool:
        """Add one row; False when it breaks a rule."""
        resolve = self.resolve
        key = (team_id.int, measure)
        found = resolve.known.get(key)
        if found is None:
            found = resolve(key, team_id, measure)
            if found is None:
                return False
        slot, team_uuid, version, count, allowed, metric_table, first_ts = found
        # Answers outside the measure's range are those the translation does not delete.
        if len(answers) != count or answers.translate(None, allowed):
            return False
        if at.tzinfo is None:
            at = to_utc(at)
        # One conversion to POSIX seconds serves both range checks and the London buckets.
        ts = at.timestamp()
        if ts > self.now_ts or ts < first_ts:
            return False
        hour = int(ts) // 3600
        week_month = self.bucket_of.get(hour)
        if week_month is None:
            week_month = london_buckets_for_hour(hour)
        raw = sum(answers)
        resolve.counts[slot] += 1
        self.records.append(
            (
                self.organisation,
                client_id,
                team_uuid,
                measure,
                version,
                at,
                week_month[0],
                week_month[1],
                raw,
                metric_table[raw] if metric_table is not None else None,
                answers,
                self.batch,
            )
        )
        return True

    def built(self) -> Built:
        return Built(self.records, self.resolve.totals(), self.resolve.top_boxes)


def value_records(rows: Sequence[ValueRow], batch: BatchContext) -> Built:
    """Validated rows (``validation.validate_values`` found nothing) -> tuples to store."""
    records: list[tuple[Any, ...]] = []
    teams, plans = batch.teams, batch.plans
    for row in rows:
        definition = plans[teams[row.team_id].cohort_id][row.measure]
        records.append(
            (
                batch.organisation_id,
                row.client_id,
                row.team_id,
                row.measure,
                definition.version,
                period_start(row.period, definition.period),
                row.numerator,
                row.denominator,
                row.value,
                batch.batch_id,
            )
        )
    return Built(records, dict(Counter((row.team_id.int, row.measure) for row in rows)))
