import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from services.measurement.catalogue import first_versions
from services.measurement.rows import ResponseRow, ValueRow
from services.measurement.validation import (
    TeamInfo,
    foreign_rows,
    validate_responses,
    validate_values,
)

ORG_A, ORG_B = uuid.uuid4(), uuid.uuid4()
COHORT = uuid.uuid4()
TEAM_A, TEAM_B, GONE = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
START = date(2026, 3, 2)
TEAMS = {
    TEAM_A: TeamInfo(TEAM_A, ORG_A, COHORT, START),
    TEAM_B: TeamInfo(TEAM_B, ORG_B, COHORT, START),
    GONE: TeamInfo(GONE, ORG_A, COHORT, START, withdrawn=True),
}
PLANS = {COHORT: {d.key: d for d in first_versions()}}
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def resp(i, **kw):
    data = {
        "client_id": f"r{i}",
        "team_id": TEAM_A,
        "measure": "swemwbs",
        "responded_at": datetime(2026, 4, 1, 9, tzinfo=UTC),
        "items": [3] * 7,
    }
    data.update(kw)
    return ResponseRow(**data)


def val(i, **kw):
    data = {"client_id": f"v{i}", "team_id": TEAM_A, "measure": "sickness_absence"}
    data.update({"period": date(2026, 4, 1), **kw})
    return ValueRow(**data)


def test_valid_responses_pass():
    rows = [resp(0), resp(1, measure="recommend_team", items=[10])]
    assert validate_responses(rows, teams=TEAMS, plans=PLANS, now=NOW) == []


def test_every_failing_response_row_and_field_is_collected():
    rows = [
        resp(0),
        resp(1, items=[3, 6, 3, 0, 3, 3, 3]),  # two items out of range
        resp(2, items=[3] * 6),  # wrong number of items
        resp(3, measure="steps_walked"),  # unknown measure
        resp(4, responded_at=datetime(2026, 6, 2, tzinfo=UTC)),  # future
        resp(5, responded_at=datetime(2026, 3, 1, 12, tzinfo=UTC)),  # before the cohort
        resp(6, team_id=uuid.uuid4()),  # unknown team
        resp(7, team_id=GONE),  # withdrawn team
        resp(8, measure="sickness_absence"),  # takes values, not responses
    ]
    errors = validate_responses(rows, teams=TEAMS, plans=PLANS, now=NOW)
    assert [(e.row, e.field) for e in errors] == [
        (1, "items[1]"),
        (1, "items[3]"),
        (2, "items"),
        (3, "measure"),
        (4, "responded_at"),
        (5, "responded_at"),
        (6, "team_id"),
        (7, "team_id"),
        (8, "measure"),
    ]


def test_values_rules():
    rows = [
        val(0, numerator=Decimal(10), denominator=Decimal(400)),
        val(1, numerator=Decimal(1), denominator=Decimal(0)),  # denominator 0
        val(2, numerator=Decimal(401), denominator=Decimal(400)),  # numerator > denominator
        val(3, numerator=Decimal(1)),  # no denominator
        val(4, measure="what_matters_conversations", value=Decimal("2.5")),  # not whole
        val(5, measure="what_matters_conversations", value=Decimal(4)),
        val(6, measure="swemwbs", value=Decimal(4)),  # takes responses
        val(7, numerator=Decimal(1), denominator=Decimal(5), period=date(2026, 7, 1)),  # future
        val(8, numerator=Decimal(1), denominator=Decimal(5), period=date(2026, 2, 1)),  # before
        # turnover is a rate: more leavers than WTE is unusual but not impossible
        val(9, measure="staff_turnover", numerator=Decimal(3), denominator=Decimal(2)),
        # March's month holds the cohort start (2 March): a March value is not "before"
        val(10, numerator=Decimal(1), denominator=Decimal(5), period=date(2026, 3, 1)),
    ]
    errors = validate_values(rows, teams=TEAMS, plans=PLANS, today=NOW.date())
    assert [(e.row, e.field) for e in errors] == [
        (1, "denominator"),
        (2, "numerator"),
        (3, "denominator"),
        (4, "value"),
        (6, "measure"),
        (7, "period"),
        (8, "period"),
    ]


def test_foreign_rows_are_those_of_another_organisations_known_team():
    rows = [
        resp(0),
        resp(1, team_id=TEAM_B),
        resp(2, team_id=uuid.uuid4()),
        resp(3, team_id=TEAM_B),
    ]
    assert foreign_rows(rows, teams=TEAMS, organisation_id=ORG_A) == [1, 3]
    assert foreign_rows(rows, teams=TEAMS, organisation_id=ORG_B) == [0]


def test_the_ingestion_loop_refuses_exactly_what_the_validator_refuses():
    from services.measurement.records import BatchContext, response_records

    good = [resp(0), resp(1, measure="recommend_team", items=[10])]
    bad = [
        resp(2, items=[3, 6, 3, 0, 3, 3, 3]),
        resp(3, items=[3] * 6),
        resp(4, measure="steps_walked"),
        resp(5, responded_at=datetime(2026, 6, 2, tzinfo=UTC)),
        resp(6, responded_at=datetime(2026, 3, 1, 23, 59, tzinfo=UTC)),
        resp(7, team_id=uuid.uuid4()),
        resp(8, team_id=GONE),
        resp(9, measure="sickness_absence"),
    ]
    batch = BatchContext(
        organisation_id=ORG_A, batch_id=uuid.uuid4(), teams=TEAMS, plans=PLANS, now=NOW
    )
    built = response_records(good, batch)
    assert built is not None and len(built.records) == 2
    assert built.records[0][8:11] == (21, 1925, bytes([3] * 7))
    assert built.records[1][8:11] == (10, None, bytes([10]))
    assert built.totals == {(TEAM_A.int, "swemwbs"): 1, (TEAM_A.int, "recommend_team"): 1}
    assert built.records[0][2] == TEAM_A and built.records[0][0] == ORG_A
    for row in bad:
        assert response_records([*good, row], batch) is None
        assert validate_responses([*good, row], teams=TEAMS, plans=PLANS, now=NOW) != []
    # The cohort starts at midnight London time on 2 March (GMT): 00:00 UTC is already in.
    assert response_records([resp(10, responded_at=datetime(2026, 3, 2, tzinfo=UTC))], batch)
