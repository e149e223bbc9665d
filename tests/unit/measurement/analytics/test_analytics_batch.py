"""The batched collaborative (numpy grid: pooling and team table) gives the same answer as\nthe per-team engine."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.measurement.analytics import (
    ChartOptions,
    Series,
    aggregate_chart,
    team_options,
)
from services.measurement.analytics.batch import build_grid, team_rows

GRID = [f"2025-W{k:02d}" for k in range(1, 25)]


@st.composite
def collaboratives(draw: st.DrawFn) -> tuple[dict[str, Series], dict[str, Any]]:
    kind = draw(st.sampled_from(["xmr", "c", "p", "u", "pp", "up", "run"]))
    teams: dict[str, Series] = {}
    for t in range(draw(st.integers(1, 5))):
        chosen = draw(st.lists(st.booleans(), min_size=len(GRID), max_size=len(GRID)))
        periods = [p for p, keep in zip(GRID, chosen, strict=True) if keep]
        size = len(periods)
        maybe_int = st.none() | st.integers(0, 30)
        if kind in ("p", "pp", "u", "up"):
            dens = draw(st.lists(st.none() | st.integers(0, 40), min_size=size, max_size=size))
            nums = [
                None if d is None else draw(st.none() | st.integers(0, max(d, 0))) for d in dens
            ]
            # n: the responses behind a period (withheld below the threshold), or unknown.
            counts = [None if d is None else draw(st.none() | st.just(d)) for d in dens]
            teams[f"t{t}"] = Series(
                periods=periods,
                numerators=[None if n is None else float(n) for n in nums],
                denominators=[None if d is None else float(d) for d in dens],
                ns=[None if n is None else float(n) for n in counts],
            )
        else:
            vals = draw(st.lists(maybe_int, min_size=size, max_size=size))
            weights = draw(st.lists(st.none() | st.integers(0, 5), min_size=size, max_size=size))
            teams[f"t{t}"] = Series(
                periods=periods,
                values=[None if v is None else float(v) for v in vals],
                ns=[None if w is None else float(w) for w in weights],
            )
    # Options that fit the collaborative's periods (others are refused before any analysis).
    grid = _grid_of(teams)
    size = len(grid)
    parts: list[int | str] = []
    freeze: int | str | None = None
    exclude: list[int | str] = []
    if size:
        if size > 1:
            parts = draw(st.lists(st.integers(1, size - 1) | st.sampled_from(grid[1:]), max_size=2))
        first_part = min((p if isinstance(p, int) else grid.index(p) for p in parts), default=size)
        freeze = draw(st.none() | st.integers(1, first_part) | st.sampled_from(grid[:first_part]))
        exclude = draw(st.lists(st.integers(0, size - 1) | st.sampled_from(grid), max_size=2))
    options: dict[str, Any] = {
        "chart_type": kind,
        "direction": draw(st.sampled_from(["increase", "decrease", "neutral"])),
        "shift_trend_n": draw(st.integers(3, 7)),
        "screen_moving_ranges": draw(st.booleans()),
        "recommended_baseline": draw(st.sampled_from([2, 4, 12])),
        "suppress_below": draw(st.sampled_from([0, 0, 3])),
        "percent": kind in ("p", "pp") and draw(st.booleans()),
        "freeze": freeze,
        "part_starts": parts,
        "exclude": exclude,
    }
    if draw(st.booleans()):
        scale = 100 if options["percent"] else 1
        options["target"] = draw(st.integers(0, 30)) / (30 if kind in ("p", "pp") else 1) * scale
    return teams, options


def _grid_of(teams: dict[str, Series]) -> list[str]:
    return sorted({p for s in teams.values() for p in s.periods})


def _assert_same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{k}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (where, a, b)
    else:
        assert a == b, (where, a, b)


@settings(max_examples=120, deadline=None)
@given(collaboratives())
def test_batched_team_rows_equal_the_engine(
    collaborative: tuple[dict[str, Series], dict[str, Any]],
) -> None:
    teams, raw = collaborative
    options = ChartOptions(**raw)
    grid = build_grid(list(teams.values()))
    # Only an empty collaborative falls back to the engine.
    assert (grid is None) == (not _grid_of(teams))
    if grid is not None:
        per_team = team_options(options, grid.periods)
        rows = team_rows(list(teams), list(teams.values()), per_team, grid)
        assert (rows is None) == (options.chart_type == "run")  # run charts use the engine
    fast = aggregate_chart(teams, options, batched=True)
    slow = aggregate_chart(teams, options, batched=False)
    _assert_same(fast.model_dump(), slow.model_dump(), "collaborative")
