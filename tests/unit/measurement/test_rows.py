import json
import uuid
from decimal import Decimal

import pytest

from services.measurement.rows import (
    MAX_ROWS,
    BatchInvalid,
    BatchTooLarge,
    ResponseRow,
    ValueRow,
    parse_csv,
    parse_json,
)

TEAM = uuid.UUID("00000000-0000-0000-0000-0000000000a1")


def response(i: int, **overrides):
    row = {
        "client_id": f"r{i}",
        "team_id": str(TEAM),
        "measure": "swemwbs",
        "responded_at": "2026-03-04T10:00:00Z",
        "items": [3, 4, 3, 4, 3, 4, 3],
    }
    row.update(overrides)
    return row


def body(rows):
    return json.dumps({"rows": rows}).encode()


def test_json_rows_parse():
    rows = parse_json(body([response(0), response(1)]), "responses")
    assert [r.client_id for r in rows] == ["r0", "r1"]
    assert isinstance(rows[0], ResponseRow) and rows[0].items == [3, 4, 3, 4, 3, 4, 3]


@pytest.mark.parametrize("field", ["name", "email", "staff_id"])
def test_identifying_fields_are_refused(field):
    with pytest.raises(BatchInvalid) as caught:
        parse_json(body([response(0), response(1, **{field: "x"})]), "responses")
    assert [(e.row, e.field) for e in caught.value.errors] == [(1, field)]


def test_every_shape_error_is_named_by_row_and_field():
    rows = [response(0), response(1, items=[3, "x", 3]), response(2), response(3, team_id="nope")]
    with pytest.raises(BatchInvalid) as caught:
        parse_json(body(rows), "responses")
    assert {(e.row, e.field) for e in caught.value.errors} == {(1, "items[1]"), (3, "team_id")}


def test_too_many_rows_is_too_large():
    with pytest.raises(BatchTooLarge):
        parse_json(body([response(i) for i in range(MAX_ROWS + 1)]), "responses")
    assert len(parse_json(body([response(i) for i in range(MAX_ROWS)]), "responses")) == MAX_ROWS


def test_csv_gives_the_same_rows_as_json():
    csv_body = (
        "client_id,team_id,measure,responded_at,item_1,item_2,item_3,item_4,item_5,item_6,item_7\n"
        f"r0,{TEAM},swemwbs,2026-03-04T10:00:00Z,3,4,3,4,3,4,3\n"
        f"r1,{TEAM},swemwbs,2026-03-04T10:00:00Z,3,4,3,4,3,4,3\n"
    ).encode()
    assert parse_csv(csv_body, "responses") == parse_json(
        body([response(0), response(1)]), "responses"
    )


def test_csv_one_item_measure_leaves_other_item_columns_blank():
    csv_body = (
        "client_id,team_id,measure,responded_at,item_1,item_2\n"
        f"n0,{TEAM},recommend_team,2026-03-04T10:00:00,9,\n"
    ).encode()
    (row,) = parse_csv(csv_body, "responses")
    assert row.items == [9]


def test_csv_values():
    csv_body = (
        "client_id,team_id,measure,period,numerator,denominator,value\n"
        f"v0,{TEAM},sickness_absence,2026-03-01,12.5,400,\n"
        f"v1,{TEAM},what_matters_conversations,2026-03-02,,,7\n"
    ).encode()
    first, second = parse_csv(csv_body, "values")
    assert isinstance(first, ValueRow)
    assert first.numerator == Decimal("12.5") and first.value is None
    assert second.value == Decimal(7) and second.numerator is None


def test_csv_refuses_unknown_columns_and_names_bad_rows():
    with pytest.raises(BatchInvalid) as caught:
        parse_csv(b"client_id,team_id,measure,responded_at,email,item_1\n", "responses")
    assert [e.field for e in caught.value.errors] == ["header.email"]
    csv_body = (
        "client_id,team_id,measure,responded_at,item_1\n"
        f"a,{TEAM},recommend_team,2026-03-04T10:00:00Z,9\n"
        f"b,{TEAM},recommend_team,not-a-date,9\n"
        f"c,{TEAM},recommend_team,2026-03-04T10:00:00Z\n"
    ).encode()
    with pytest.raises(BatchInvalid) as caught:
        parse_csv(csv_body, "responses")
    assert {(e.row, e.field) for e in caught.value.errors} == {
        (1, "responded_at"),
        (2, "row"),
        (2, "items"),
    }


def test_csv_too_many_rows():
    header = "client_id,team_id,measure,period,value\n"
    lines = "".join(f"v{i},{TEAM},x,2026-03-01,1\n" for i in range(MAX_ROWS + 1))
    with pytest.raises(BatchTooLarge):
        parse_csv((header + lines).encode(), "values")
