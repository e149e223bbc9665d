"""Chart requests meet a measure: defaults by data kind, the measure's direction and target,
dates standing for the period that holds them, and chart types that do not fit refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.measurement.chart_options import (
    ChartRequest,
    Note,
    annotations_by_period,
    chart_options,
    chart_series,
)
from services.measurement.measures import DEFAULT_PLAN, MeasureDefinition
from shared.errors import Unprocessable

PLAN = {spec.key: MeasureDefinition(**spec.model_dump(), version=1) for spec in DEFAULT_PLAN}


def test_defaults_follow_the_data_kind_and_the_measure_direction() -> None:
    expected = {
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
        chart_type="run",
        rules="ihi",
        n=7,
        freeze="2026-03-18",
        parts=["12", "2026-06-03"],
        exclude=["2026-02-05"],
        screen=True,
    )
    weekly = chart_options(request, PLAN["swemwbs"], period="week", target=Decimal("24.5"))
    assert weekly.freeze == "2026-03-16"  # the Monday of that week
    assert weekly.part_starts == [12, "2026-06-01"]
    assert weekly.exclude == ["2026-02-02"]
    assert (weekly.run_rules, weekly.shift_trend_n, weekly.screen_moving_ranges) == ("ihi", 7, True)
    assert weekly.target == 24.5
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


@pytest.mark.parametrize("bad", [{"freeze": "0"}, {"freeze": "soon"}, {"parts": ["2026-13-01"]}])
def test_bad_positions_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(Unprocessable):
        chart_options(ChartRequest(**bad), PLAN["swemwbs"], period="month")  # type: ignore[arg-type]


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
