"""Freeze, parts, exclusions, short baselines, gaps and meaningless options (issue #22 items 1,
4, 5 and 6 in the engine), and input handling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.measurement.analytics import ChartOptionError, ChartOptions, Series, compute_chart

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


def test_an_excluded_point_keeps_its_signal_but_leaves_the_limits() -> None:
    # Item 5: as qicharts2, an excluded point is only left out of the calculation.
    values = [*BASE, 100.0]
    excluded = compute_chart(_points(values), chart_type="xmr", exclude=[len(BASE)])
    last = excluded.points[-1]
    assert last.excluded and last.used and not last.baseline and last.value == 100.0
    assert last.flags == ["outside_limits"] and last.point_class == "neutral"
    assert last.upper == pytest.approx(16.32)  # the limits come from the other 14 points
    assert excluded.points[0].centre == pytest.approx(11.0)
    assert [(s.rule, s.points) for s in excluded.signals] == [("outside_limits", [14])]
    # Excluding by period label is the same thing.
    by_label = compute_chart(_points(values), chart_type="xmr", exclude=[last.period])
    assert by_label.model_dump() == excluded.model_dump()
    # Not excluded, the 100 pulls the mean and the limits with it.
    kept = compute_chart(_points(values), chart_type="xmr")
    assert kept.points[0].centre == pytest.approx((sum(BASE) + 100) / 15)


def test_short_baselines_draw_their_limits_and_warn() -> None:
    # Item 1: qicharts2 always draws the limits; shorter than recommended, the answer warns.
    twelve = compute_chart(_points(BASE[:12]), chart_type="xmr")
    assert twelve.limits_shown and twelve.warnings == []  # 12 is the recommended length
    assert twelve.points[0].upper == pytest.approx(16.32)
    eight = compute_chart(_points([*BASE[:8], 30.0]), chart_type="xmr", freeze=8)
    assert eight.limits_shown and eight.parts[0].short_baseline
    assert eight.warnings == [
        "the limits rest on a baseline of 8 points, fewer than the 12 recommended: treat them "
        "as provisional."
    ]
    # ... so a point beyond them signals, and the summary is not "common cause".
    assert [(s.rule, s.points) for s in eight.signals] == [("outside_limits", [8])]
    assert eight.variation == "neutral_high"
    # The recommended length is the caller's to set.
    strict = compute_chart(_points(BASE[:12]), chart_type="xmr", recommended_baseline=20)
    assert strict.parts[0].short_baseline and len(strict.warnings) == 1
    # Two points are enough for every chart type; one point is the only baseline without.
    for kind in ("p", "u", "pp", "up", "c"):
        two = [{"period": f"w{k:02d}", "numerator": 5 + k, "denominator": 50} for k in range(2)]
        if kind == "c":
            two = [{"period": f"w{k:02d}", "value": 5 + k} for k in range(2)]
        assert compute_chart(two, chart_type=kind).limits_shown, kind
        one = compute_chart(two[:1], chart_type=kind)
        assert not one.limits_shown and one.points[0].upper is None, kind
        assert one.points[0].centre is not None and one.warnings == []
    # Warnings name their part when there are several.
    parts = compute_chart(_points([*BASE, *BASE[:4]]), chart_type="xmr", part_starts=[14])
    assert parts.warnings == [
        "Part 2: the limits rest on a baseline of 4 points, fewer than the 12 recommended: "
        "treat them as provisional."
    ]


def test_a_missing_period_is_a_gap_no_moving_range_spans() -> None:
    # Item 4: 10, 12, gap, 20, 22: moving ranges 2 and 2 (not |20 - 12| across the gap).
    chart = compute_chart(_points([10.0, 12.0, None, 20.0, 22.0]), chart_type="xmr")
    gap = chart.points[2]
    assert gap.missing and gap.value is None and not gap.used and gap.moving_range is None
    assert chart.parts[0].mean_moving_range == pytest.approx(2.0)
    assert [p.moving_range for p in chart.points] == [None, 2.0, None, None, 2.0]
    assert chart.points[0].upper == pytest.approx(16.0 + 2.66 * 2.0)
    # The gap holds its place: limits are drawn there too, and the last point is still read.
    assert gap.upper == chart.points[0].upper
    assert chart.summary.latest_period == chart.points[-1].period


def test_options_that_cannot_apply_are_refused_naming_the_parameter() -> None:
    # Item 6 (engine half): 40 points; every one of these used to be ignored in silence.
    points = _points([10.0 + k % 3 for k in range(40)])
    last = points[-1]["period"]
    refused = {
        "freeze": [{"freeze": 500}, {"freeze": "2030-01-06"}, {"freeze": "2024-12-30"}],
        "part": [{"part_starts": [999]}, {"part_starts": [0]}, {"part_starts": [40]}],
        "exclude": [{"exclude": [999]}, {"exclude": ["2025-01-07"]}, {"exclude": [40]}],
    }
    for parameter, cases in refused.items():
        for case in cases:
            with pytest.raises(ChartOptionError) as raised:
                compute_chart(points, chart_type="xmr", **case)
            assert raised.value.parameter == parameter, case
            assert str(raised.value).startswith(f"{parameter}: ")
    part_start = points[1]["period"]
    with pytest.raises(ChartOptionError, match="freeze: the baseline") as raised:
        compute_chart(points, chart_type="xmr", freeze=12, part_starts=[10])
    # Freeze and parts combine when the baseline ends before the first new part starts.
    both = compute_chart(points, chart_type="xmr", freeze=10, part_starts=[20, last])
    assert both.parts[0].frozen and both.parts[0].baseline_points == 10
    assert [p.start for p in both.parts] == [0, 20, 39]
    assert compute_chart(points, chart_type="xmr", part_starts=[part_start]).parts[1].start == 1
    assert compute_chart(points, chart_type="xmr", freeze=40).parts[0].baseline_points == 40


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


def test_suppressed_periods_are_withheld_gaps() -> None:
    # Item 9 (engine half): a period built from fewer responses than the threshold is withheld.
    points = [
        {"period": f"2025-W{k:02d}", "numerator": 3 + k % 2, "denominator": 8, "n": 8}
        for k in range(14)
    ]
    points[5] = {"period": "2025-W05", "numerator": 2, "denominator": 3, "n": 3}
    chart = compute_chart(points, chart_type="p", suppress_below=5, percent=True)
    withheld = chart.points[5]
    assert withheld.suppressed and not withheld.missing and withheld.value is None
    assert withheld.numerator is None and withheld.denominator is None and withheld.n == 3
    assert chart.suppressed_periods == ["2025-W05"] and chart.suppress_below == 5
    # The centre is pooled from the other 13 periods only, and answered in percent.
    assert chart.points[0].centre == pytest.approx(100 * 45 / 104)
    shown = compute_chart(points, chart_type="p")
    assert shown.points[5].value == pytest.approx(2 / 3) and shown.suppressed_periods == []


def test_series_columns_may_hold_decimals() -> None:
    series = Series(
        periods=[f"w{k:02d}" for k in range(13)],
        numerators=[Decimal(3 + k % 2) for k in range(13)],  # type: ignore[misc]
        denominators=[Decimal(20)] * 13,  # type: ignore[list-item]
    )
    chart = compute_chart(series, chart_type="pp")
    assert chart.points[0].centre == pytest.approx(45 / 260)
    assert chart.limits_shown
