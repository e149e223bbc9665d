"""Freeze, parts, exclusions and the 13-point rule (acceptance 3), and input handling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.measurement.analytics import ChartOptions, Series, compute_chart

START = date(2025, 1, 6)


def _points(values: Sequence[float | None]) -> list[dict[str, object]]:
    return [
        {"period": (START + timedelta(days=7 * k)).isoformat(), "value": v}
        for k, v in enumerate(values)
    ]


BASE = [10.0, 12.0] * 7  # mean 11, every moving range 2 -> limits 11 ± 5.32


def test_freeze_extends_the_baseline_limits_forward() -> None:
    values = [*BASE, 30.0, 31.0, 29.0]
    frozen = compute_chart(_points(values), chart_type="xmr", freeze=len(BASE))
    assert frozen.parts[0].frozen and frozen.parts[0].baseline_points == len(BASE)
    for point in frozen.points:
        assert point.centre == pytest.approx(11.0)
        assert point.upper == pytest.approx(16.32)
        assert point.lower == pytest.approx(5.68)
        assert point.baseline == (point.index < len(BASE))
    assert {s.rule for s in frozen.signals} == {"outside_limits"}
    assert frozen.signals[0].points == [14, 15, 16]
    # Unfrozen, the later points pull the mean and limits with them.
    free = compute_chart(_points(values), chart_type="xmr")
    assert free.points[0].centre == pytest.approx(sum(values) / len(values))


def test_freeze_by_period_label_equals_freeze_by_count() -> None:
    values = [*BASE, 30.0, 31.0]
    by_count = compute_chart(_points(values), chart_type="xmr", freeze=len(BASE))
    label = by_count.points[len(BASE) - 1].period
    by_label = compute_chart(_points(values), chart_type="xmr", freeze=label)
    assert by_label.model_dump() == by_count.model_dump()


def test_parts_rebase_each_with_its_own_centre_limits_and_rules() -> None:
    values = BASE + [v + 10 for v in BASE]
    split = compute_chart(_points(values), chart_type="xmr", part_starts=[len(BASE)])
    assert [p.centre for p in split.parts] == [pytest.approx(11.0), pytest.approx(21.0)]
    assert [(p.start, p.end) for p in split.parts] == [(0, 13), (14, 27)]
    assert split.points[20].upper == pytest.approx(26.32)
    assert split.signals == []  # each part alternates around its own mean
    whole = compute_chart(_points(values), chart_type="xmr")
    assert {s.rule for s in whole.signals} >= {"shift"}  # one mean across both: a shift
    # A part can be given by the period that starts it.
    by_period = compute_chart(
        _points(values), chart_type="xmr", part_starts=[split.points[len(BASE)].period]
    )
    assert by_period.model_dump() == split.model_dump()


def test_excluded_points_are_shown_but_not_used() -> None:
    values = [*BASE, 100.0]
    excluded = compute_chart(_points(values), chart_type="xmr", exclude=[len(BASE)])
    last = excluded.points[-1]
    assert last.excluded and not last.used and last.value == 100.0
    assert last.flags == [] and last.point_class is None
    assert last.upper == pytest.approx(16.32)  # limits still drawn at its position
    assert excluded.points[0].centre == pytest.approx(11.0)
    assert excluded.signals == []
    # Excluding by period label is the same thing.
    by_label = compute_chart(_points(values), chart_type="xmr", exclude=[last.period])
    assert by_label.model_dump() == excluded.model_dump()


def test_fewer_than_13_points_show_no_limits() -> None:
    twelve = compute_chart(_points(BASE[:12]), chart_type="xmr")
    assert not twelve.limits_shown
    assert all(p.upper is None and p.lower is None for p in twelve.points)
    assert all(p.centre == pytest.approx(11.0) for p in twelve.points)
    thirteen = compute_chart(_points(BASE[:13]), chart_type="xmr")
    assert thirteen.limits_shown and thirteen.points[0].upper is not None
    # Shift and trend need only the mean and still fire without limits.
    rising = compute_chart(_points([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]), chart_type="xmr")
    assert not rising.limits_shown
    assert [s.rule for s in rising.signals] == ["trend"]
    for kind in ("p", "u", "pp", "up"):
        chart = compute_chart(
            [{"period": f"w{k:02d}", "numerator": 5 + k % 3, "denominator": 50} for k in range(12)],
            chart_type=kind,
        )
        assert not chart.limits_shown, kind


def test_p_chart_limits_clip_to_zero_and_one() -> None:
    points = [{"period": f"w{k:02d}", "numerator": 1, "denominator": 2} for k in range(13)]
    points.append({"period": "w13", "numerator": 1, "denominator": 1})
    chart = compute_chart(points, chart_type="p")
    assert chart.points[0].centre == pytest.approx(14 / 27)
    last = chart.points[-1]  # n = 1: p̄ ± 3·sqrt(p̄(1-p̄)) reaches beyond [0, 1]
    assert last.upper == 1.0 and last.lower == 0.0
    assert "outside_limits" not in last.flags  # a value of exactly 1 is not beyond 1


def test_missing_values_and_zero_denominators_are_gaps() -> None:
    chart = compute_chart(_points([*BASE, None]), chart_type="xmr")
    assert not chart.points[-1].used and chart.points[-1].value is None
    assert chart.summary.latest_period == chart.points[-2].period
    p = compute_chart(
        [
            {"period": "a", "numerator": 1, "denominator": 0},
            {"period": "b", "numerator": 1, "denominator": 4},
        ],
        chart_type="p",
    )
    assert p.points[0].value is None and p.points[1].value == 0.25


def test_inputs_accept_dates_decimals_and_columns() -> None:
    points = [
        {"period": START + timedelta(days=7 * k), "value": Decimal("1.5") * (k % 2)}
        for k in range(14)
    ]
    chart = compute_chart(points, chart_type="i")
    assert chart.chart_type == "xmr" and chart.points[0].period == "2025-01-06"
    columns = Series(
        periods=[p.period for p in chart.points], values=[p.value for p in chart.points]
    )
    assert compute_chart(columns, chart_type="xmr").model_dump() == chart.model_dump()
    empty = compute_chart([], chart_type="xmr")
    assert empty.points == [] and empty.variation is None and empty.signals == []


def test_annotations_are_carried_on_the_chart() -> None:
    options = ChartOptions(chart_type="run", annotations={"2025-01-20": "started PDSA 2: huddles"})
    chart = compute_chart(_points(BASE), options)
    assert [(a.period, a.note, a.index) for a in chart.annotations] == [
        ("2025-01-20", "started PDSA 2: huddles", 2)
    ]


def test_summary_reads_the_latest_point() -> None:
    chart = compute_chart(_points([*BASE, 11.0]), chart_type="xmr", direction="increase", target=3)
    summary = chart.summary
    assert summary.n_points == 15 and summary.n_used == 15
    assert summary.latest_value == 11.0 and summary.latest_centre == pytest.approx(11.0)
    assert chart.assurance == "consistently_passing"  # target 3 below the lower limit
    assert "XmR chart of 15 points" in summary.text


def test_excluding_a_period_the_series_lacks_excludes_nothing() -> None:
    points = _points(BASE)
    chart = compute_chart(points, chart_type="xmr", exclude=["2024-12-30", "2025-01-07"])
    assert not any(p.excluded for p in chart.points)


def test_series_columns_may_hold_decimals() -> None:
    series = Series(
        periods=[f"w{k:02d}" for k in range(13)],
        numerators=[Decimal(3 + k % 2) for k in range(13)],  # type: ignore[misc]
        denominators=[Decimal(20)] * 13,  # type: ignore[list-item]
    )
    chart = compute_chart(series, chart_type="pp")
    assert chart.points[0].centre == pytest.approx(45 / 260)
    assert chart.limits_shown
