"""Property tests (acceptance 2): shifting the data shifts centre and limits and fires the same
rules; reversing the direction of improvement swaps improvement and concern."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.measurement.analytics import Chart, ChartOptions, compute_chart

SWAP = {"improvement": "concern", "concern": "improvement", "neutral": "neutral"}


@st.composite
def charts(draw: st.DrawFn) -> tuple[list[int | None], dict[str, Any]]:
    values = draw(st.lists(st.integers(-50, 50) | st.none(), min_size=1, max_size=30))
    size = len(values)
    kind = draw(st.sampled_from(["xmr", "i", "run"]))
    # Options that fit the series (others are refused: see test_analytics_baselines).
    parts = draw(st.lists(st.integers(1, size - 1), max_size=2)) if size > 1 else []
    options: dict[str, Any] = {
        "chart_type": kind,
        "run_rules": draw(st.sampled_from(["anhoj", "ihi"])),
        "direction": draw(st.sampled_from(["increase", "decrease", "neutral"])),
        "shift_trend_n": draw(st.integers(3, 8)),
        "screen_moving_ranges": draw(st.booleans()),
        "recommended_baseline": draw(st.sampled_from([2, 5, 12])),
        "freeze": draw(st.none() | st.integers(1, min(parts, default=size))),
        "part_starts": parts,
        "exclude": draw(st.lists(st.integers(0, size - 1), max_size=3)),
    }
    if draw(st.booleans()):
        options["target"] = draw(st.integers(-60, 60))
    return values, options


def _chart(values: list[int | None] | list[float | None], options: dict[str, Any]) -> Chart:
    points = [{"period": f"2025-W{k:02d}", "value": v} for k, v in enumerate(values)]
    return compute_chart(points, ChartOptions(**options))


def _shifted(x: float | None, c: int) -> float | None:
    return None if x is None else x + c


def _near(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _signals(chart: Chart) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(s.rule, s.signal_class, tuple(s.points)) for s in chart.signals]


@settings(max_examples=100, deadline=None)
@given(charts(), st.integers(-100, 100))
def test_shifting_values_shifts_centre_and_limits_and_keeps_rules(
    chart_input: tuple[list[int | None], dict[str, Any]], c: int
) -> None:
    values, options = chart_input
    shifted_options = dict(options)
    if "target" in options:
        shifted_options["target"] = options["target"] + c
    base = _chart(values, options)
    moved = _chart([None if v is None else v + c for v in values], shifted_options)
    for p, q in zip(base.points, moved.points, strict=True):
        for field in ("centre", "lower", "upper", "lower_2sigma", "upper_2sigma", "value"):
            assert _near(_shifted(getattr(p, field), c), getattr(q, field)), field
        assert p.flags == q.flags
        assert p.point_class == q.point_class
        assert _near(p.moving_range, q.moving_range)
    assert _signals(base) == _signals(moved)
    assert [(p.runs_signal, p.short_baseline) for p in base.parts] == [
        (p.runs_signal, p.short_baseline) for p in moved.parts
    ]
    assert base.variation == moved.variation
    assert base.assurance == moved.assurance


@settings(max_examples=100, deadline=None)
@given(charts())
def test_reversing_direction_swaps_improvement_and_concern(
    chart_input: tuple[list[int | None], dict[str, Any]],
) -> None:
    values, options = chart_input
    up = _chart(values, {**options, "direction": "increase"})
    down = _chart(values, {**options, "direction": "decrease"})
    assert [(r, SWAP[k], p) for r, k, p in _signals(up)] == _signals(down)
    for p, q in zip(up.points, down.points, strict=True):
        assert (SWAP.get(p.point_class, p.point_class) if p.point_class else None) == q.point_class
    if up.variation is None or up.variation == "common_cause":
        assert down.variation == up.variation
    else:
        klass, side = up.variation.rsplit("_", 1)
        assert down.variation == f"{SWAP[klass]}_{side}"
    flip = {"consistently_passing": "consistently_failing", "hit_and_miss": "hit_and_miss"}
    flip |= {v: k for k, v in flip.items()}
    assert down.assurance == (None if up.assurance is None else flip[up.assurance])
