"""Chart requests meet a measure: defaults by data kind, the measure's direction and target,
dates standing for the period that holds them, and chart types that do not fit refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.measurement.catalogue import first_versions
from services.measurement.chart_options import (
    ChartRequest,
    Note,
    annotations_by_period,
    chart_options,
    chart_series,
    span_of,
    with_gaps,
)
from shared.errors import Unprocessable

PLAN = {definition.key: definition for definition in first_versions()}


def test_defaults_follow_the_data_kind_and_the_measure_direction() -> None:
    expected = {
        "frequently_enjoy_work": ("p", "increase"),
        "days_to_fill_rota_gap": ("xmr", "decrease"),
        "swemwbs": ("xmr", "increase"),
        "recommend_team": ("xmr", "increase"),
        "what_matters_conversations": ("c", "increase"),
        "sickness_absence": ("p", "decrease"),
        "staff_turnover": ("u", "decrease"),
    }
    for key, (chart_type, direction) in expected.items():
        options = chart_options(ChartRequest(), PLAN[key], period=PLAN[key].period)
        assert (options.chart_type, options.direction) == (chart_type, direction)
        assert options.run_rules == "anhoj" and options.shift_trend_n == 6


def test_positions_are_indices_or_the_period_holding_a_date() -> None:
    request = ChartRequest(
        chart_type="xmr",
        n=7,
        freeze="2026-03-18",
        parts=["12", "2026-06-03"],
        exclude=["2026-02-05"],
        screen=True,
        recommended_baseline=20,
    )
    weekly = chart_options(request, PLAN["swemwbs"], period="week", target=Decimal("24.5"))
    assert weekly.freeze == "2026-03-16"  # the Monday of that week
    assert weekly.part_starts == [12, "2026-06-01"]
    assert weekly.exclude == ["2026-02-02"]
    assert (weekly.shift_trend_n, weekly.screen_moving_ranges) == (7, True)
    assert weekly.target == 24.5 and weekly.recommended_baseline == 20
    run = chart_options(ChartRequest(chart_type="run", rules="ihi"), PLAN["swemwbs"], period="week")
    assert run.run_rules == "ihi"
    monthly = chart_options(request, PLAN["swemwbs"], period="month")
    assert monthly.freeze == "2026-03-01" and monthly.exclude == ["2026-02-01"]
    assert chart_options(ChartRequest(freeze="9"), PLAN["swemwbs"], period="month").freeze == 9


@pytest.mark.parametrize(
    ("key", "chart_type"),
    [("swemwbs", "p"), ("swemwbs", "c"), ("what_matters_conversations", "u"),
     ("sickness_absence", "up"), ("staff_turnover", "pp")],
)  # fmt: skip
def test_chart_types_that_do_not_fit_the_data_are_refused(key: str, chart_type: str) -> None:
    with pytest.raises(Unprocessable):
        chart_options(ChartRequest(chart_type=chart_type), PLAN[key], period="month")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "parameter"),
    [
        ({"freeze": "0"}, "freeze"),
        ({"freeze": "soon"}, "freeze"),
        ({"parts": ["2026-13-01"]}, "part"),
        ({"exclude": ["x"]}, "exclude"),
        ({"chart_type": "p"}, "chart_type"),
    ],
)
def test_bad_positions_are_refused(bad: dict[str, object], parameter: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        chart_options(ChartRequest(**bad), PLAN["swemwbs"], period="month")  # type: ignore[arg-type]
    assert refused.value.errors == [
        {"field": parameter, "message": refused.value.errors[0]["message"]}
    ]  # type: ignore[index]
    assert str(refused.value).startswith(f"{parameter}: ")


@pytest.mark.parametrize(
    ("key", "request_", "parameter"),
    [
        # Item 6: choices that cannot apply to the chart type are refused by name.
        ("what_matters_conversations", ChartRequest(screen=True), "screen"),  # a c chart
        ("what_matters_conversations", ChartRequest(rules="ihi"), "rules"),
        ("sickness_absence", ChartRequest(rules="anhoj"), "rules"),  # a p chart
        ("swemwbs", ChartRequest(chart_type="run", n=7), "n"),
        ("sickness_absence", ChartRequest(screen=True), "screen"),  # p: no moving ranges
    ],
)
def test_choices_that_do_not_apply_to_the_chart_type_are_refused(
    key: str, request_: ChartRequest, parameter: str
) -> None:
    with pytest.raises(Unprocessable) as refused:
        chart_options(request_, PLAN[key], period=PLAN[key].period)
    assert str(refused.value).startswith(f"{parameter}: ")
    assert refused.value.errors is not None and refused.value.errors[0]["field"] == parameter


def test_proportions_are_answered_in_percent_and_small_numbers_only_from_responses() -> None:
    pulse = chart_options(ChartRequest(), PLAN["frequently_enjoy_work"], period="week",
                          target=Decimal("60"), suppress_below=5)  # fmt: skip
    assert pulse.percent and pulse.chart_type == "p" and pulse.suppress_below == 5
    assert pulse.target == 60.0  # percent, as the chart shows it
    absence = chart_options(ChartRequest(), PLAN["sickness_absence"], period="month",
                            suppress_below=5)  # fmt: skip
    assert absence.percent and absence.suppress_below == 0  # posted values: no responses
    assert not chart_options(ChartRequest(), PLAN["swemwbs"], period="month").percent


def test_score_measures_are_charted_by_their_scoring() -> None:
    point = {
        "period_start": date(2026, 3, 1),
        "n": 4,
        "mean_raw": Decimal("28.00"),
        "mean_metric": Decimal("27.13"),
        "net_promoter": Decimal("25.0"),
    }
    assert chart_series([point], PLAN["swemwbs"]).values == [27.13]
    assert chart_series([point], PLAN["recommend_team"]).values == [25.0]
    absence = {"period_start": date(2026, 3, 1), "n": 1, "numerator": 3, "denominator": 60}
    series = chart_series([absence], PLAN["sickness_absence"])
    assert (series.numerators, series.denominators) == ([3.0], [60.0])


def test_missing_periods_are_gaps_between_the_first_and_the_last() -> None:
    # Item 4: a week with no data stays on the chart as an empty point.
    points = [
        {"period_start": date(2026, 3, 2), "n": 8, "numerator": 4, "denominator": 8},
        {"period_start": date(2026, 3, 23), "n": 6, "numerator": 3, "denominator": 6},
    ]
    filled = with_gaps(points, "week")
    assert [p["period_start"] for p in filled] == [
        date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16), date(2026, 3, 23)
    ]  # fmt: skip
    assert filled[1] == {"period_start": date(2026, 3, 9)}
    series = chart_series(filled, PLAN["frequently_enjoy_work"])
    assert series.numerators == [4.0, None, None, 3.0]
    # Across several teams' charts, every team covers the same periods.
    span = span_of([points, [{"period_start": date(2026, 3, 30)}]])
    assert span == (date(2026, 3, 2), date(2026, 3, 30))
    assert len(with_gaps(points, "week", span=span)) == 5
    assert with_gaps([], "week") == [] and span_of([[], []]) is None


def test_notes_land_on_the_period_holding_their_day_within_the_range() -> None:
    notes = [
        Note(date(2026, 3, 4), "huddles"),
        Note(date(2026, 3, 5), "new rota"),
        Note(date(2026, 9, 1), "outside"),
    ]
    by_week = annotations_by_period(notes, "week", date(2026, 1, 1), date(2026, 6, 30))
    assert by_week == {"2026-03-02": "huddles; new rota"}
    by_month = annotations_by_period(notes, "month", date(2026, 1, 1), date(2026, 12, 31))
    assert by_month == {"2026-03-01": "huddles; new rota", "2026-09-01": "outside"}
