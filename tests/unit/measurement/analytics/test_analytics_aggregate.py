"""The collaborative aggregate and its summary, and new-signal detection (acceptance 4's rule)."""

from __future__ import annotations

import pytest

from services.measurement.analytics import (
    Chart,
    ChartOptions,
    Series,
    aggregate_chart,
    compute_chart,
    fired_keys,
    new_signals,
    pool_series,
)

WEEKS = [f"2025-W{k:02d}" for k in range(1, 21)]
ALTERNATING = [10.0, 12.0] * 7  # mean 11, limits 11 ± 5.32


def test_pooling_sums_numerators_and_denominators_per_period() -> None:
    a = Series(periods=WEEKS[:3], numerators=[10, 10, 10], denominators=[100, 100, 100])
    b = Series(periods=WEEKS[1:4], numerators=[30, 30, 30], denominators=[50, 50, 50])
    pooled = pool_series([a, b], "p")
    assert pooled.periods == WEEKS[:4]
    assert pooled.numerators == [10, 40, 40, 30]
    assert pooled.denominators == [100, 150, 150, 50]
    chart = compute_chart(pooled, chart_type="p")
    # 40/150, not the mean of the teams' proportions (0.1 + 0.6) / 2.
    assert chart.points[1].value == pytest.approx(40 / 150)


def test_scores_pool_as_the_n_weighted_mean() -> None:
    a = Series(periods=WEEKS[:2], values=[10.0, 10.0], ns=[1, 1])
    b = Series(periods=WEEKS[:2], values=[20.0, None], ns=[3, None])
    pooled = pool_series([a, b], "xmr")
    assert pooled.values == [pytest.approx(17.5), 10.0]  # (10·1 + 20·3)/4; B missing in week 2
    assert pooled.ns == [4, 1]


def test_collaborative_summary_change_counts_and_team_rows() -> None:
    # Team A halves its incidents after week 8; team B does not change.
    a = Series(periods=WEEKS[:14], numerators=[10] * 7 + [5] * 7, denominators=[100] * 14)
    b = Series(periods=WEEKS[:14], numerators=[30] * 14, denominators=[50] * 14)
    result = aggregate_chart(
        {"A": a, "B": b}, ChartOptions(chart_type="p", direction="decrease", part_starts=[7])
    )
    summary = result.summary
    assert summary.baseline_centre == pytest.approx(40 / 150)
    assert summary.latest_centre == pytest.approx(35 / 150)
    assert summary.centre_change_pct == pytest.approx(-12.5)  # (35 - 40)/40
    assert [row.team for row in summary.team_rows] == ["A", "B"]
    row_a = summary.team_rows[0]
    assert row_a.latest_value == pytest.approx(0.05) and row_a.centre == pytest.approx(0.05)
    assert summary.teams == 2


def test_team_signal_counts() -> None:
    periods = WEEKS[:20]
    teams = {
        "rising": Series(periods=periods, values=[*ALTERNATING, 15, 15, 15, 15, 15, 15]),
        "falling": Series(periods=periods, values=[*ALTERNATING, 7, 7, 7, 7, 7, 7]),
        "steady": Series(periods=periods, values=[*ALTERNATING, 10, 12, 10, 12, 10, 12]),
    }
    options = ChartOptions(chart_type="xmr", direction="increase", freeze=14)
    summary = aggregate_chart(teams, options).summary
    assert summary.teams_with_improvement == 1
    assert summary.teams_with_concern == 1
    assert summary.teams_without_signal == 1
    rows = {row.team: row for row in summary.team_rows}
    assert rows["rising"].variation == "improvement_high" and rows["rising"].improvement
    assert rows["falling"].variation == "concern_low" and rows["falling"].concern
    assert rows["steady"].variation == "common_cause"
    # A single part has no before/after change to report.
    assert summary.centre_change_pct is None


def test_aggregate_parts_given_as_indices_apply_to_teams_by_period() -> None:
    # Team "late" starts reporting two weeks after the others; the split at aggregate index 10
    # is the period WEEKS[10] for every team, not each team's 10th point.
    early = Series(periods=WEEKS[:20], values=[*ALTERNATING[:10], *([30.0, 32.0] * 5)])
    late = Series(periods=WEEKS[2:20], values=[*ALTERNATING[:8], *([30.0, 32.0] * 5)])
    result = aggregate_chart(
        {"early": early, "late": late}, ChartOptions(chart_type="xmr", part_starts=[10])
    )
    rows = {row.team: row for row in result.summary.team_rows}
    assert rows["late"].centre == pytest.approx(31.0)
    assert rows["early"].centre == pytest.approx(31.0)


def _chart(values: list[float]) -> Chart:
    points = [{"period": WEEKS[k], "value": v} for k, v in enumerate(values)]
    return compute_chart(points, chart_type="xmr", direction="increase", freeze=14)


def test_a_new_signal_is_new_once() -> None:
    before = _chart([*ALTERNATING, 12.0])
    assert before.signals == []
    # The baseline ends on 12 (above the mean 11): five more points above make a shift of 6.
    after = _chart([*ALTERNATING, 14, 14, 14, 14, 14])
    fresh = new_signals(fired_keys(before), after)
    assert [(s.rule, s.signal_class, s.periods[0]) for s in fresh] == [
        ("shift", "improvement", WEEKS[13])
    ]
    # Posting the same data again: nothing new.
    again = _chart([*ALTERNATING, 14, 14, 14, 14, 14])
    assert new_signals(fired_keys(after), again) == []
    # The shift growing by a point is the same signal, not a new one.
    longer = _chart([*ALTERNATING, 14, 14, 14, 14, 14, 13])
    assert len(longer.signals[0].points) == 7
    assert new_signals(fired_keys(after), longer) == []
    # Neutral signals are left out unless asked for.
    neutral = compute_chart(
        [{"period": WEEKS[k], "value": v} for k, v in enumerate([1, 9] * 5)],
        chart_type="run",
        run_rules="ihi",
    )
    assert new_signals(set(), neutral) == []
    assert [s.rule for s in new_signals(set(), neutral, classes={"neutral"})] == [
        "ihi_too_many_runs"
    ]


def test_both_pooling_paths_accept_decimals() -> None:
    from decimal import Decimal

    a = Series(periods=WEEKS[:2], numerators=[Decimal(1), Decimal(2)], denominators=[4, 4])  # type: ignore[list-item]
    b = Series(periods=WEEKS[:2], numerators=[Decimal(3), None], denominators=[4, 4])  # type: ignore[list-item]
    for batched in (True, False):
        chart = aggregate_chart({"a": a, "b": b}, chart_type="p", batched=batched).chart
        assert [p.value for p in chart.points] == [pytest.approx(0.5), pytest.approx(0.5)]
