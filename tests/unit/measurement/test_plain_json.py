"""The plain-JSON ingestion path (orjson, one pass, no model per row) stores exactly what the
validating path (pydantic rows, then ``response_records``) stores, and hands over to it whenever
a row is not in the plain form or breaks a rule."""

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from services.measurement.catalogue import first_versions
from services.measurement.records import (
    BatchContext,
    plain_response_records,
    plain_team_ids,
    response_records,
)
from services.measurement.rows import MAX_ROWS, parse_json, plain_json_rows
from services.measurement.store.batches import RESPONSE_COLUMNS
from services.measurement.validation import TeamInfo

ORG = uuid.uuid4()
COHORT = uuid.uuid4()
TEAM, OTHER, GONE = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
TEAMS = {
    TEAM: TeamInfo(TEAM, ORG, COHORT, date(2026, 3, 2)),
    OTHER: TeamInfo(OTHER, ORG, COHORT, date(2026, 3, 2)),
    GONE: TeamInfo(GONE, ORG, COHORT, date(2026, 3, 2), withdrawn=True),
}
PLANS = {COHORT: {d.key: d for d in first_versions()}}
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BATCH = uuid.uuid4()


def row(i: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "client_id": f"r{i}",
        "team_id": str(TEAM if i % 2 else OTHER),
        "measure": "swemwbs",
        "responded_at": "2026-04-01T09:00:00Z",
        "items": [1 + i % 5] * 7,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def both(rows: list[dict[str, Any]]) -> tuple[Any, Any]:
    """(plain path's records or None, validating path's records or None) for one JSON body."""
    body = json.dumps({"rows": rows}).encode()
    batch = BatchContext(organisation_id=ORG, batch_id=BATCH, teams=TEAMS, plans=PLANS, now=NOW)
    parsed = plain_json_rows(body)
    assert parsed is not None
    team_of = plain_team_ids(parsed)
    plain = (
        None
        if team_of is None
        else asyncio.run(plain_response_records(parsed, batch, team_of=team_of))
    )
    try:
        validated = response_records(parse_json(body, "responses"), batch)
    except Exception:  # the validating reader refuses the batch
        validated = None
    return plain, validated


GOOD = [
    row(0),
    row(1, responded_at="2026-03-29T00:30:00"),  # naive: London time, the night BST starts
    row(2, responded_at="2026-05-01T23:30:00.250+01:00"),
    row(3, measure="recommend_team", items=[10]),
    row(4, team_id=str(TEAM).upper()),
    row(5, items=[True, 2, 3, 4, 5, 1, 2]),  # booleans are 0/1 to the model as well
]


def test_plain_batches_are_stored_exactly_as_the_validating_path_stores_them():
    plain, validated = both(GOOD)
    assert plain is not None and validated is not None
    assert plain.records == validated.records
    assert plain.totals == validated.totals
    assert plain.records[3][8:11] == (10, None, bytes([10]))


def test_a_record_holds_its_values_in_the_order_of_the_tables_columns():
    # The store copies records by position into the columns derived from the table.
    plain, _ = both(GOOD)
    assert plain is not None
    stored = dict(zip(RESPONSE_COLUMNS, plain.records[0], strict=True))
    assert (stored["organisation_id"], stored["client_id"], stored["team_id"]) == (ORG, "r0", OTHER)
    assert (stored["measure_key"], stored["measure_version"]) == ("swemwbs", 1)
    assert stored["responded_at"] == datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    assert (stored["week_start"], stored["month_start"]) == (date(2026, 3, 30), date(2026, 4, 1))
    assert (stored["raw_score"], stored["metric_x100"]) == (7, 700)
    assert (stored["items"], stored["batch_id"]) == (bytes([1] * 7), BATCH)


def test_rows_outside_the_plain_form_hand_over_to_the_validating_path():
    # Accepted by the row model after conversion: the plain path declines, the model stores.
    for changed in (
        row(9, items=[3.0] * 7),
        row(9, items=["3"] * 7),
        row(9, responded_at="2026-04-01 09:00:00Z"),
        row(9, responded_at=1775034000),
        row(9, team_id=TEAM.hex),
    ):
        plain, validated = both([*GOOD, changed])
        assert plain is None, changed
        assert validated is not None, changed
    # Refused by the model or by a rule: both refuse (the validating path names the problem).
    for bad in (
        row(9, items=[9] * 7),
        row(9, items=[3] * 6),
        row(9, items=[-1] * 7),
        row(9, items=[300] * 7),
        row(9, measure="steps_walked"),
        row(9, measure="sickness_absence"),
        row(9, team_id=str(GONE)),
        row(9, team_id=str(uuid.uuid4())),
        row(9, team_id="not a uuid"),
        row(9, responded_at="2026-06-02T00:00:00Z"),
        row(9, responded_at="2026-03-01T23:59:00Z"),
        row(9, responded_at="2026-02-30T09:00:00Z"),
        row(9, client_id=""),
        row(9, client_id="x" * 101),
        row(9, extra="no"),
        row(9, items=...),
        row(9, client_id=None),
    ):
        plain, validated = both([*GOOD, bad])
        assert plain is None and validated is None, bad


def test_only_the_plain_body_shape_is_read_by_orjson():
    rows = [row(0)]
    assert plain_json_rows(json.dumps({"rows": rows}).encode()) == rows
    for body in (
        b"not json",
        b"[]",
        json.dumps({"rows": rows, "more": 1}).encode(),
        json.dumps({"rows": {"a": 1}}).encode(),
        json.dumps({"rows": [{}] * (MAX_ROWS + 1)}).encode(),
    ):
        assert plain_json_rows(body) is None, body[:40]
    assert plain_team_ids([row(0), "x"]) is None


def test_a_batch_longer_than_one_step_is_built_whole():
    many = [
        row(i, responded_at=f"2026-04-{1 + i % 28:02d}T{i % 24:02d}:00:00Z") for i in range(2500)
    ]
    plain, validated = both(many)
    assert plain is not None and validated is not None
    assert len(plain.records) == 2500 and plain.records == validated.records
    assert plain.totals == validated.totals
    # A bad row in the last step still refuses the whole batch.
    plain, validated = both([*many, row(2500, items=[9] * 7)])
    assert plain is None and validated is None
