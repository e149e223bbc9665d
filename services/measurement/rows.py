"""Rows a trust system posts: individual survey responses and aggregated values, as JSON or CSV.

Both row models forbid unknown fields, so no name, email or staff id can ever be sent: responses
are anonymous by construction. JSON bodies are validated straight from bytes (pydantic's Rust
parser); CSV is read into the same dicts and validated by the same models, so both formats obey
exactly the same rules and name failures the same way (row index, field).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from services.measurement.measures import NO_NUL, VALUE_LIMIT, StoredNumber

MAX_ROWS = 10_000
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_ITEMS = 50
MAX_CLIENT_ID = 100
MAX_MEASURE_KEY = 63

BatchKind = Literal["responses", "values"]

ClientId = Annotated[str, Field(min_length=1, max_length=MAX_CLIENT_ID, pattern=NO_NUL)]
MeasureKey = Annotated[str, Field(min_length=1, max_length=MAX_MEASURE_KEY, pattern=NO_NUL)]
# Numerators and denominators are never negative; a value may be (a change score), within what
# a stored value can hold. The measure's own kind and bounds are checked in `validation`.
Amount = Annotated[Decimal, Field(ge=0, le=VALUE_LIMIT, max_digits=14, decimal_places=4)]
Answer = Annotated[int, Field(ge=0, le=100)]


class ResponseRow(BaseModel):
    """One anonymous individual survey response."""

    model_config = ConfigDict(extra="forbid")

    client_id: ClientId
    team_id: uuid.UUID
    measure: MeasureKey
    responded_at: datetime  # a naive time is read as Europe/London
    items: list[Answer] = Field(min_length=1, max_length=MAX_ITEMS)


class ValueRow(BaseModel):
    """One aggregated value for a team, measure and period (any date inside the period)."""

    model_config = ConfigDict(extra="forbid")

    client_id: ClientId
    team_id: uuid.UUID
    measure: MeasureKey
    period: date
    numerator: Amount | None = None
    denominator: Amount | None = None
    value: StoredNumber | None = None


class ResponseBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[ResponseRow] = Field(max_length=MAX_ROWS)


class ValueBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[ValueRow] = Field(max_length=MAX_ROWS)


@dataclass(frozen=True, slots=True)
class RowError:
    """One failing field of one row; ``row`` is the 0-based index (None for the body or header)."""

    row: int | None
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


class BatchTooLarge(Exception):
    """More than MAX_ROWS rows or MAX_BODY_BYTES bytes (answered 413)."""


class BatchInvalid(Exception):
    """The batch fails validation (answered 422 with every error)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors


_BATCH_ADAPTERS: dict[BatchKind, TypeAdapter[Any]] = {
    "responses": TypeAdapter(ResponseBatch),
    "values": TypeAdapter(ValueBatch),
}
_ROWS_ADAPTERS: dict[BatchKind, TypeAdapter[Any]] = {
    "responses": TypeAdapter(list[ResponseRow]),
    "values": TypeAdapter(list[ValueRow]),
}


def _field_path(parts: tuple[int | str, ...]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "row"


def _errors_from(exc: ValidationError, *, inside_rows: bool) -> list[RowError]:
    errors: list[RowError] = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = tuple(error["loc"])
        if inside_rows:
            if len(loc) >= 2 and loc[0] == "rows" and isinstance(loc[1], int):
                errors.append(RowError(loc[1], _field_path(loc[2:]), error["msg"]))
                continue
            if loc == ("rows",) and error["type"] == "too_long":
                raise BatchTooLarge from exc
            errors.append(RowError(None, _field_path(loc), error["msg"]))
        else:
            row = loc[0] if loc and isinstance(loc[0], int) else None
            errors.append(
                RowError(row, _field_path(loc[1:] if row is not None else loc), error["msg"])
            )
    return errors


def parse_json(body: bytes, kind: BatchKind) -> list[Any]:
    """``{"rows": [...]}`` -> validated rows; raises BatchTooLarge or BatchInvalid."""
    if len(body) > MAX_BODY_BYTES:
        raise BatchTooLarge
    try:
        batch = _BATCH_ADAPTERS[kind].validate_json(body)
    except ValidationError as exc:
        raise BatchInvalid(_errors_from(exc, inside_rows=True)) from exc
    rows: list[Any] = batch.rows
    return rows


def plain_json_rows(body: bytes) -> list[Any] | None:
    """The rows of ``{"rows": [...]}`` parsed by orjson when the body has that shape and fits
    the limits; None otherwise (``parse_json`` then names whatever is wrong). Each row is still
    unchecked: see ``ingestion.plain_response_records``."""
    if len(body) > MAX_BODY_BYTES:
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict or len(data) != 1:
        return None
    rows = data.get("rows")
    if type(rows) is not list or len(rows) > MAX_ROWS:
        return None
    return rows


RESPONSE_COLUMNS = ("client_id", "team_id", "measure", "responded_at")
VALUE_COLUMNS = ("client_id", "team_id", "measure", "period", "numerator", "denominator", "value")


def _item_column(name: str) -> int | None:
    if name.startswith("item_") and name[5:].isdigit():
        number = int(name[5:])
        if 1 <= number <= MAX_ITEMS:
            return number
    return None


# The csv module refuses a cell longer than this (its field size limit).
MAX_CELL = csv.field_size_limit()


def parse_csv(body: bytes, kind: BatchKind, *, team_id: uuid.UUID | None = None) -> list[Any]:
    """A CSV body (header row; the JSON field names as columns; items as item_1..item_N).

    ``team_id``: an upload for one team, whose rows may leave the team_id column out (or
    blank)."""
    if len(body) > MAX_BODY_BYTES:
        raise BatchTooLarge
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BatchInvalid([RowError(None, "body", "CSV must be UTF-8")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise BatchInvalid([_csv_error(None, "header", exc)]) from exc
    if header is None:
        raise BatchInvalid([RowError(None, "header", "the CSV has no header row")])
    header = [name.strip() for name in header]
    known = RESPONSE_COLUMNS if kind == "responses" else VALUE_COLUMNS
    errors = [
        RowError(None, f"header.{name}", "unknown column")
        for name in header
        if name not in known and not (kind == "responses" and _item_column(name))
    ]
    if len(set(header)) != len(header):
        errors.append(RowError(None, "header", "a column appears twice"))
    if errors:
        raise BatchInvalid(errors)
    items_at = sorted(
        (number, position)
        for position, name in enumerate(header)
        if (number := _item_column(name)) is not None
    )
    plain_at = [(name, position) for position, name in enumerate(header) if name in known]

    records: list[dict[str, Any]] = []
    shape_errors: list[RowError] = []
    try:
        for cells in reader:
            if not cells or all(cell == "" for cell in cells):
                continue  # blank lines (e.g. a trailing newline) are not rows
            if len(records) >= MAX_ROWS:
                raise BatchTooLarge
            if len(cells) != len(header):
                shape_errors.append(
                    RowError(len(records), "row", f"{len(cells)} cells for {len(header)} columns")
                )
            records.append(_record(cells, plain_at, items_at, team_id))
    except csv.Error as exc:
        raise BatchInvalid([*shape_errors, _csv_error(len(records), "row", exc)]) from exc
    try:
        rows = list(_ROWS_ADAPTERS[kind].validate_python(records))
    except ValidationError as exc:
        errors = shape_errors + _errors_from(exc, inside_rows=False)
        raise BatchInvalid(sorted(errors, key=lambda e: (e.row or 0, e.field))) from exc
    if shape_errors:
        raise BatchInvalid(shape_errors)
    return rows


def _record(
    cells: list[str],
    plain_at: list[tuple[str, int]],
    items_at: list[tuple[int, int]],
    team_id: uuid.UUID | None,
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name, position in plain_at:
        cell = cells[position].strip() if position < len(cells) else ""
        if cell != "":
            record[name] = cell
    if team_id is not None:
        record.setdefault("team_id", str(team_id))
    if items_at:
        answers = [cells[pos].strip() if pos < len(cells) else "" for _, pos in items_at]
        while answers and answers[-1] == "":
            answers.pop()
        record["items"] = answers
    return record


def _csv_error(row: int | None, field: str, exc: csv.Error) -> RowError:
    """The csv module's refusal (a cell beyond its size limit, a stray NUL...) as a row error."""
    if "field larger than field limit" in str(exc):
        return RowError(row, field, f"a cell is longer than {MAX_CELL:,} characters")
    return RowError(row, field, f"the CSV cannot be read here: {exc}")
