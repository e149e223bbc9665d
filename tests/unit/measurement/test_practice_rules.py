"""Pure rules behind issue #22 in measurement: baselines before a cohort starts, period values
and their bounds, top-box scoring of responses, CSV cells beyond the csv module's limit, uploads
for one team, PDSA notes, who is inside a team for small numbers, and the report's verdicts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.measurement.analytics import ChartOptions, Series
from services.measurement.analytics.report import judge_team, measure_report, teams_with
from services.measurement.catalogue import first_versions
from services.measurement.pdsa import NOTE_LENGTH, completed_note, started_note
from services.measurement.periods import months_before
from services.measurement.records import BatchContext, response_records
from services.measurement.rows import BatchInvalid, ResponseRow, ValueRow, parse_csv
from services.measurement.series import SeriesPoint, withheld
from services.measurement.store.access import withholds_small_numbers
from services.measurement.store.rollup import day_totals
from services.measurement.validation import TeamInfo, validate_responses, validate_values
from shared.auth import Principal, Role

ORG, COHORT, TEAM = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
PLANS = {COHORT: {d.key: d for d in first_versions()}}


def team(data_from: date | None = None) -> dict[uuid.UUID, TeamInfo]:
    return {TEAM: TeamInfo(TEAM, ORG, COHORT, date(2026, 1, 5), data_from=data_from)}


def test_months_before_keeps_the_day_or_the_months_last() -> None:
    assert months_before(date(2026, 1, 5), 24) == date(2024, 1, 5)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2026, 1, 5), -2) == date(2026, 3, 5)  # the lead-in ends
    assert months_before(date(2026, 1, 5), 0) == date(2026, 1, 5)


def test_baselines_from_before_the_start_but_never_the_future() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)

    def answer(at: datetime) -> ResponseRow:
        return ResponseRow(client_id="r", team_id=TEAM, measure="frequently_enjoy_work",
                           responded_at=at, items=[4])  # fmt: skip

    early = answer(datetime(2024, 1, 5, 9, tzinfo=UTC))
    assert validate_responses([early], teams=team(date(2024, 1, 5)), plans=PLANS, now=now) == []
    [error] = validate_responses([early], teams=team(), plans=PLANS, now=now)  # from the start
    assert error.message == (
        "before 2026-01-05, the earliest date accepted for this team (its cohort starts 2026-01-05)"
    )
    late = answer(datetime(2026, 6, 2, tzinfo=UTC))
    [error] = validate_responses([late], teams=team(date(2024, 1, 5)), plans=PLANS, now=now)
    assert error.message == "in the future"
    # Values: a period wholly before the first accepted day is refused, one touching it is not.
    rows = [ValueRow(client_id=f"v{k}", team_id=TEAM, measure="days_to_fill_rota_gap",
                     period=day, value=Decimal(1))
            for k, day in enumerate((date(2024, 1, 1), date(2023, 12, 31)))]  # fmt: skip
    errors = validate_values(rows, teams=team(date(2024, 1, 5)), plans=PLANS,
                             today=date(2026, 6, 1))  # fmt: skip
    assert [(e.row, e.field) for e in errors] == [(1, "period")]


def test_value_rows_follow_their_measures_kind_and_bounds() -> None:
    def row(measure: str, **values: object) -> ValueRow:
        return ValueRow(client_id="v", team_id=TEAM, measure=measure, period=date(2026, 3, 2),
                        **values)  # type: ignore[arg-type]  # fmt: skip

    rows = [
        row("days_to_fill_rota_gap", value=Decimal("4.25")),
        row("days_to_fill_rota_gap", value=Decimal("400")),  # beyond the measure's 365
        row("days_to_fill_rota_gap"),  # no value
        row("what_matters_conversations", value=Decimal("-1")),
        row("frequently_enjoy_work", numerator=Decimal(3), denominator=Decimal(5)),
    ]
    errors = validate_values(rows, teams=team(), plans=PLANS, today=date(2026, 6, 1))
    assert [(e.row, e.field, e.message) for e in errors] == [
        (1, "value", "above the measure's maximum 365"),
        (2, "value", "a value needs a value"),
        (3, "value", "a count is not negative"),
        (4, "measure", "'frequently_enjoy_work' takes individual responses"),
    ]
    with pytest.raises(ValueError):  # beyond what a stored value holds
        row("days_to_fill_rota_gap", value=Decimal("595713768450340.0"))
    with pytest.raises(ValueError):
        row("sickness_absence", numerator=Decimal(-1), denominator=Decimal(5))


def test_pulse_answers_are_counted_in_their_top_box_day_by_day() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    rows = [
        ResponseRow(client_id=f"r{k}", team_id=TEAM, measure="frequently_enjoy_work",
                    responded_at=datetime(2026, 3, 2, 9 + k, tzinfo=UTC), items=[answer])
        for k, answer in enumerate([5, 4, 3, 1, 4])
    ]  # fmt: skip
    built = response_records(rows, BatchContext(ORG, uuid.uuid4(), team(), PLANS, now))
    assert built is not None
    version = PLANS[COHORT]["frequently_enjoy_work"].version
    assert built.top_boxes == {("frequently_enjoy_work", version): (4, 5)}
    days = day_totals(
        ((r[2].int, r[3], r[4], r[5], r[8], r[9]) for r in built.records), built.top_boxes
    )
    [(key, totals)] = days.items()
    assert key == (TEAM.int, "frequently_enjoy_work", date(2026, 3, 2))
    assert totals[2] == 5 and totals[7] == 3  # three of five answered Often or Always


def test_a_cell_beyond_the_csv_limit_is_a_row_error_and_uploads_name_their_team() -> None:
    text = "client_id,team_id,measure,period,value\n"
    text += f"a,{TEAM},days_to_fill_rota_gap,2026-03-02,1\n"
    text += f"{'x' * 131_073},{TEAM},days_to_fill_rota_gap,2026-03-02,1\n"
    with pytest.raises(BatchInvalid) as invalid:
        parse_csv(text.encode(), "values")
    assert [(e.row, e.field, e.message) for e in invalid.value.errors] == [
        (1, "row", "a cell is longer than 131,072 characters")
    ]
    nul = f"client_id,team_id,measure,period,value\na\x00,{TEAM},m,2026-03-02,1\n"
    with pytest.raises(BatchInvalid):
        parse_csv(nul.encode(), "values")
    upload = "client_id,measure,period,value\na,days_to_fill_rota_gap,2026-03-02,1\n"
    [row] = parse_csv(upload.encode(), "values", team_id=TEAM)
    assert row.team_id == TEAM


def test_pdsa_notes_name_the_idea_and_the_decision() -> None:
    assert started_note("Walking meetings", 1) == "Testing 'Walking meetings' (PDSA cycle 1)"
    assert completed_note("Huddles", 3, "abandon") == "'Huddles' (PDSA cycle 3) abandoned"
    long = completed_note("x" * 600, 12, "adapt")
    assert len(long) <= NOTE_LENGTH and long.endswith("…' (PDSA cycle 12) adapted")


def test_only_the_teams_own_organisation_sees_small_numbers() -> None:
    other = uuid.uuid4()
    inside = [
        Principal("lead", Role.team_lead, organisation_id=ORG),
        Principal("trust", None, organisation_id=ORG, api_key_id="k"),
    ]
    outside = [
        Principal("lead", Role.team_lead, organisation_id=other),
        Principal("coach", Role.coach, coach_id=uuid.uuid4()),
        Principal("programme", Role.coordinator),
    ]
    assert not any(withholds_small_numbers(p, ORG) for p in inside)
    assert all(withholds_small_numbers(p, ORG) for p in outside)
    points = [SeriesPoint(date(2026, 3, 2), 4, numerator=Decimal(2), denominator=Decimal(4)),
              SeriesPoint(date(2026, 3, 9), 5, numerator=Decimal(3), denominator=Decimal(5))]  # fmt: skip
    kept, hidden = withheld(points, 5)[1], withheld(points, 5)[0]
    assert kept == points[1] and hidden.suppressed and hidden.numerator is None and hidden.n == 4
    assert withheld(points, 0) == points


WEEKS = [f"2026-W{k:02d}" for k in range(1, 17)]


def p_series(before: list[int | None], after: list[int | None]) -> Series:
    answers = [*before, *after]
    return Series(
        periods=WEEKS[: len(answers)],
        numerators=[None if a is None else float(a) for a in answers],
        denominators=[None if a is None else 10.0 for a in answers],
        ns=[None if a is None else 10.0 for a in answers],
    )


def test_the_report_judges_each_team_on_its_latest_part() -> None:
    options = ChartOptions(chart_type="p", direction="increase", percent=True)
    breaks = [WEEKS[8]]
    teams = {
        "up": p_series([3] * 8, [7] * 8),
        "down": p_series([6] * 8, [4] * 8),
        "flat": p_series([5] * 8, [5] * 8),
        "late": p_series([None] * 8, [7] * 8),
        "one": p_series([None] * 7 + [5], [7] * 8),
        "stopped": p_series([5] * 8, [None] * 8),
    }
    report = measure_report(teams, options, breaks)
    verdicts = {v.team: v for v in report.verdicts}
    assert verdicts["up"].improvement and not verdicts["up"].concern
    assert verdicts["down"].concern and not verdicts["down"].improvement
    assert not (verdicts["flat"].improvement or verdicts["flat"].concern)
    assert verdicts["late"].reason == f"no data before {WEEKS[8]} (no baseline)"
    assert verdicts["one"].reason == "1 baseline point(s): no limits to judge against"
    assert verdicts["stopped"].reason == f"no data since {WEEKS[8]}"
    summary = report.summary
    assert (summary.teams_with_improvement, summary.teams_with_concern) == (1, 1)
    assert (summary.teams_with_neither, summary.teams_with_too_little_data) == (1, 3)
    # Pooled over every team's answers: baseline (3 + 6 + 5 + 5) x 8 + 5 (team "one") over
    # 4 x 80 + 10; latest (7 + 4 + 5 + 7 + 7) x 8 over 5 x 80.
    baseline, latest = 157 / 330, 240 / 400
    assert report.chart.parts[0].centre == pytest.approx(100 * baseline)
    assert summary.centre_change_pct == pytest.approx((latest - baseline) / baseline * 100)
    assert teams_with([report], "improvement") == {"up"}
    # A team's verdict reads its frozen baseline forward.
    verdict, chart = judge_team("up", teams["up"], options, breaks)
    assert chart.parts[0].frozen and chart.parts[0].baseline_points == 8
    assert {s.rule for s in verdict.signals} >= {"shift"}
