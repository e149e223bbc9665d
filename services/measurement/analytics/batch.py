"""The collaborative's per-team table for many teams at once, with numpy.

Every team's control chart (XmR, c, p, u, p', u') is computed on one grid of periods (teams x
periods, NaN where a team has no value) so that centre lines, limits and the Making Data Count
rules run as array operations instead of one Python loop per team. The answer is the same as
`engine.analyse` team by team (a property test compares the two); run charts, and inputs the grid
cannot express (unsorted or repeated periods, index-based options), return None so the caller
falls back to the per-team engine.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .analysis import Series, signal_class
from .limits import D2, MIN_BASELINE, MR_SCREEN, XMR_LIMIT, XMR_LIMIT_2SIGMA
from .models import ChartOptions, TeamRow
from .reading import engine_target

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]

_POOLED = frozenset({"p", "pp", "u", "up"})
_NONE = 9  # no rule; priorities as engine.RULE_PRIORITY: outside 0, trend 1, 2-of-3 2, shift 3


def _compact(mask: Bools, *arrays: Any) -> tuple[list[Any], Ints]:
    """Each row's masked cells moved to the front, in order (the rules skip unused points)."""
    order = np.argsort(~mask, axis=1, kind="stable")
    return [np.take_along_axis(a, order, axis=1) for a in arrays], mask.sum(axis=1)


def _mean_moving_range(values: Floats, counts: Ints, screen: bool) -> Floats:
    """Mean |difference| of neighbours among each row's first `counts` values, where a NaN is a
    gap no difference spans (NaN when a row has no such pair)."""
    width = values.shape[1]
    if width < 2:
        return np.full(values.shape[0], np.nan)
    mr = np.abs(np.diff(values, axis=1))
    valid = (np.arange(width - 1)[None, :] < (counts - 1)[:, None]) & ~np.isnan(mr)
    n_mr = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        amr = np.where(n_mr > 0, np.where(valid, mr, 0.0).sum(axis=1) / n_mr, np.nan)
        if screen:
            keep = valid & (mr < MR_SCREEN * amr[:, None])
            kept = keep.sum(axis=1)
            screened = np.where(keep, mr, 0.0).sum(axis=1) / kept
            amr = np.where((amr > 0) & (kept > 0), screened, amr)
    return amr


def _run_lengths(signs: NDArray[np.int8]) -> Ints:
    """For each cell, the length of the run of equal values it belongs to (within its row)."""
    rows, width = signs.shape
    if width == 0:
        return np.zeros((rows, 0), dtype=np.int64)
    padded = np.concatenate([signs, np.full((rows, 1), 9, dtype=np.int8)], axis=1).ravel()
    starts = np.concatenate([[0], np.flatnonzero(padded[1:] != padded[:-1]) + 1])
    lengths = np.diff(np.concatenate([starts, [padded.size]]))
    return np.repeat(lengths, lengths).reshape(rows, width + 1)[:, :width]


def _signs(diff: Floats, eps: Floats) -> NDArray[np.int8]:
    return (diff > eps).astype(np.int8) - (diff < -eps).astype(np.int8)


@dataclass(slots=True)
class Grid:
    """Teams x periods arrays of a collaborative's series (NaN where a team has nothing)."""

    periods: list[str]
    values: Floats
    nums: Floats
    dens: Floats
    ns: Floats
    present: Bools


def build_grid(series: Sequence[Series]) -> Grid | None:
    """The grid over every period any team reported; None if a team's periods are unsorted."""
    periods = sorted({p for s in series for p in s.periods})
    teams, size = len(series), len(periods)
    if size == 0:
        return None
    position = {p: k for k, p in enumerate(periods)}
    values = np.full((teams, size), np.nan)
    nums = np.full((teams, size), np.nan)
    dens = np.full((teams, size), np.nan)
    ns = np.full((teams, size), np.nan)
    present = np.zeros((teams, size), dtype=bool)
    for r, s in enumerate(series):
        if len(s.periods) == size and list(s.periods) == periods:
            cols: Any = slice(None)
        else:
            cols = np.fromiter((position[p] for p in s.periods), dtype=np.intp)
            if cols.size > 1 and not bool(np.all(np.diff(cols) > 0)):
                return None  # unsorted or repeated periods: leave it to the engine
        present[r, cols] = True
        if s.values is not None:
            values[r, cols] = np.array(s.values, dtype=float)
        if s.numerators is not None:
            nums[r, cols] = np.array(s.numerators, dtype=float)
        if s.denominators is not None:
            dens[r, cols] = np.array(s.denominators, dtype=float)
        if s.ns is not None:
            ns[r, cols] = np.array(s.ns, dtype=float)
    return Grid(periods, values, nums, dens, ns, present)


def _column_list(totals: Any, seen: Any) -> list[float | None]:
    return [t if ok else None for t, ok in zip(totals.tolist(), seen.tolist(), strict=True)]


def pool_grid(grid: Grid, chart_type: str) -> Series:
    """`aggregate.pool_series` on the grid: the same sums, column by column."""
    values, nums, dens = grid.values, grid.nums, grid.dens
    with np.errstate(invalid="ignore", divide="ignore"):
        if chart_type in _POOLED:
            valid = (dens > 0) & (~np.isnan(nums) | ~np.isnan(values))
            effective = np.where(np.isnan(nums), values * dens, nums)
            seen = valid.any(axis=0)
            counted = valid & ~np.isnan(grid.ns)
            return Series(
                periods=grid.periods,
                numerators=_column_list(np.where(valid, effective, 0.0).sum(axis=0), seen),
                denominators=_column_list(np.where(valid, dens, 0.0).sum(axis=0), seen),
                ns=_column_list(np.where(counted, grid.ns, 0.0).sum(axis=0), counted.any(axis=0)),
            )
        if chart_type == "c":
            val = np.where(np.isnan(values), nums, values)
            valid = ~np.isnan(val)
            seen = valid.any(axis=0)
            return Series(
                periods=grid.periods,
                values=_column_list(np.where(valid, val, 0.0).sum(axis=0), seen),
                ns=_column_list(valid.sum(axis=0).astype(float), seen),
            )
        ratio = np.where(~np.isnan(nums) & ~np.isnan(dens) & (dens != 0), nums / dens, np.nan)
        val = np.where(np.isnan(values), ratio, values)
        weight = np.where(np.isnan(grid.ns), 1.0, grid.ns)
        valid = ~np.isnan(val) & (weight > 0)
        seen = valid.any(axis=0)
        totals = np.where(valid, weight * val, 0.0).sum(axis=0)
        weights = np.where(valid, weight, 0.0).sum(axis=0)
        return Series(
            periods=grid.periods,
            values=_column_list(totals / np.where(seen, weights, 1.0), seen),
            ns=_column_list(weights, seen),
        )


def team_rows(
    names: Sequence[str],
    series: Sequence[Series],
    options: ChartOptions,
    grid: Grid,
) -> list[TeamRow] | None:
    kind = "xmr" if options.chart_type == "i" else options.chart_type
    if kind == "run" or isinstance(options.freeze, int):
        return None
    if any(isinstance(x, int) for x in (*options.part_starts, *options.exclude)):
        return None
    periods = grid.periods
    teams, size = len(series), len(periods)
    position = {p: k for k, p in enumerate(periods)}
    pooled = kind in _POOLED
    values, nums, dens, present = grid.values, grid.nums, grid.dens, grid.present
    if options.suppress_below > 0:
        # Periods built from too few responses are withheld: their values go (as the engine).
        with np.errstate(invalid="ignore"):
            has_value = ~np.isnan(values) | ~np.isnan(nums) | ~np.isnan(dens)
            withheld = present & (grid.ns < options.suppress_below) & has_value
        values = np.where(withheld, np.nan, values)
        nums = np.where(withheld, np.nan, nums)
        dens = np.where(withheld, np.nan, dens)

    with np.errstate(invalid="ignore", divide="ignore"):
        has_den = dens > 0
        if pooled:
            fill = np.isnan(nums) & ~np.isnan(values) & ~np.isnan(dens)
            nums = np.where(fill, values * dens, nums)
            ys = np.where(has_den & ~np.isnan(nums), nums / dens, np.nan)
        elif kind == "c":
            ys = np.where(np.isnan(values), nums, values)
        else:
            ratio = np.where(has_den & ~np.isnan(nums), nums / dens, np.nan)
            ys = np.where(np.isnan(values), ratio, values)

    excluded_cols = np.zeros(size, dtype=bool)
    for label in options.exclude:
        if label in position:
            excluded_cols[position[label]] = True
    # Judged by the rules: every value (excluded ones too); in centres and limits: not excluded.
    used = ~np.isnan(ys) & present
    calc = used & ~excluded_cols[None, :]
    # Gaps (a period the team's series has, without a value): no moving range spans one.
    gap = present & np.isnan(ys)

    starts = sorted({0, *(bisect_left(periods, str(label)) for label in options.part_starts)})
    starts = [s for s in starts if s < size] or [0]
    bounds = [*starts, size]
    part_of_col = np.zeros(size, dtype=np.int64)
    for k in range(1, len(starts)):
        part_of_col[starts[k] :] = k
    any_present: Bools = np.asarray(present.any(axis=1))
    first_col = np.argmax(present, axis=1)
    last_col = size - 1 - np.argmax(present[:, ::-1], axis=1)
    first_part = np.where(any_present, part_of_col[first_col], -1)
    freeze_end = None if options.freeze is None else bisect_right(periods, str(options.freeze))

    scale = np.max(np.where(used, np.abs(ys), 0.0), axis=1, initial=0.0)
    eps = 1e-9 * np.maximum(scale, 1.0)
    eps_col = eps[:, None]
    n_rule = options.shift_trend_n
    screen = options.screen_moving_ranges

    upper_all = np.full((teams, size), np.nan)
    lower_all = np.full((teams, size), np.nan)
    positive = np.zeros(teams, dtype=bool)  # a rule fired high / rising
    negative = np.zeros(teams, dtype=bool)
    last_centre = np.full(teams, np.nan)
    last_rule = np.full(teams, _NONE, dtype=np.int64)
    last_sign = np.zeros(teams, dtype=np.int64)
    has_last = np.zeros(teams, dtype=bool)

    for p in range(len(starts)):
        a, b = bounds[p], bounds[p + 1]
        width = b - a
        y = ys[:, a:b]
        use = used[:, a:b]
        here = present[:, a:b]
        base = calc[:, a:b].copy()
        # The gaps inside each row's baseline span (they break its moving ranges).
        breaks = gap[:, a:b].copy()
        if freeze_end is not None:
            frozen_rows = first_part == p
            after_freeze = np.arange(a, b) >= freeze_end
            base[np.ix_(frozen_rows, after_freeze)] = False
            breaks[np.ix_(frozen_rows, after_freeze)] = False
        count = base.sum(axis=1)
        spaced = base | breaks
        with_gaps = np.where(base, y, np.nan)

        upper = np.full((teams, width), np.nan)
        lower = np.full((teams, width), np.nan)
        upper2 = np.full((teams, width), np.nan)
        lower2 = np.full((teams, width), np.nan)
        shown = count >= MIN_BASELINE
        with np.errstate(invalid="ignore", divide="ignore"):
            if kind in ("xmr", "c"):
                centre = np.where(count > 0, np.where(base, y, 0.0).sum(axis=1) / count, np.nan)
                if kind == "xmr":
                    (compacted,), spans = _compact(spaced, with_gaps)
                    amr = _mean_moving_range(compacted, spans, screen)
                    shown &= ~np.isnan(amr)
                    d3 = (XMR_LIMIT * amr)[:, None]
                    d2 = (XMR_LIMIT_2SIGMA * amr)[:, None]
                    c = centre[:, None]
                    hi, hi2, lo, lo2 = c + d3, c + d2, c - d3, c - d2
                else:
                    sd = np.where(centre > 0, np.sqrt(np.where(centre > 0, centre, 0.0)), 0.0)
                    c = centre[:, None]
                    hi, hi2 = c + 3 * sd[:, None], c + 2 * sd[:, None]
                    lo = np.maximum(c - 3 * sd[:, None], 0.0)
                    lo2 = np.maximum(c - 2 * sd[:, None], 0.0)
                cells = here & shown[:, None]
                upper = np.where(cells, hi, np.nan)
                upper2 = np.where(cells, hi2, np.nan)
                lower = np.where(cells, lo, np.nan)
                lower2 = np.where(cells, lo2, np.nan)
            else:
                n = nums[:, a:b]
                d = dens[:, a:b]
                total_num = np.where(base, n, 0.0).sum(axis=1)
                total_den = np.where(base, d, 0.0).sum(axis=1)
                centre = np.where(count > 0, total_num / total_den, np.nan)
                proportion = kind in ("p", "pp")
                spread = centre * (1.0 - centre) if proportion else centre.copy()
                spread = np.maximum(np.nan_to_num(spread, nan=0.0), 0.0)
                sd_cells = np.where(here & (d > 0), np.sqrt(spread[:, None] / d), np.nan)
                sigma_z = np.ones(teams)
                if kind in ("pp", "up"):
                    z = (with_gaps - centre[:, None]) / sd_cells
                    (z_compacted,), spans = _compact(spaced, z)
                    amr_z = _mean_moving_range(z_compacted, spans, screen)
                    ok = (spread > 0) & ~np.isnan(amr_z)
                    shown &= ok
                    sigma_z = np.where(ok, amr_z / D2, 1.0)
                sd_cells = sd_cells * sigma_z[:, None]
                c = centre[:, None]
                hi, hi2, lo, lo2 = (
                    c + 3 * sd_cells,
                    c + 2 * sd_cells,
                    c - 3 * sd_cells,
                    c - 2 * sd_cells,
                )
                if proportion:
                    hi, hi2 = np.minimum(hi, 1.0), np.minimum(hi2, 1.0)
                lo, lo2 = np.maximum(lo, 0.0), np.maximum(lo2, 0.0)
                cells = shown[:, None] & ~np.isnan(sd_cells)
                upper = np.where(cells, hi, np.nan)
                upper2 = np.where(cells, hi2, np.nan)
                lower = np.where(cells, lo, np.nan)
                lower2 = np.where(cells, lo2, np.nan)
        upper_all[:, a:b] = upper
        lower_all[:, a:b] = lower

        # Rules on each row's used points, in order (unused points neither make nor break).
        (yc, hic, loc, hi2c, lo2c), length = _compact(use, y, upper, lower, upper2, lower2)
        has_centre = ~np.isnan(centre)
        valid = (np.arange(width)[None, :] < length[:, None]) & has_centre[:, None]
        with np.errstate(invalid="ignore"):
            side = np.where(valid, _signs(yc - centre[:, None], eps_col), 0).astype(np.int8)
            limits = valid & shown[:, None] & ~np.isnan(hic) & ~np.isnan(loc)
            above = limits & (yc - hic > eps_col)
            below = limits & ~above & (loc - yc > eps_col)
            out = above.astype(np.int8) - below.astype(np.int8)
            inside = limits & (out == 0)
            near_high = inside & (yc - hi2c > eps_col)
            near_low = inside & ~near_high & (lo2c - yc > eps_col)
            close = near_high.astype(np.int8) - near_low.astype(np.int8)

        shift = (side != 0) & (_run_lengths(side) >= n_rule)
        if width >= 2:
            steps = np.where(
                valid[:, 1:], _signs(np.nan_to_num(yc[:, 1:] - yc[:, :-1]), eps_col), 0
            ).astype(np.int8)
            trend_steps = (steps != 0) & (_run_lengths(steps) >= n_rule - 1)
        else:
            steps = np.zeros((teams, 0), dtype=np.int8)
            trend_steps = np.zeros((teams, 0), dtype=bool)
        trend = np.zeros((teams, width), dtype=bool)
        trend_sign = np.zeros((teams, width), dtype=np.int8)
        if width >= 2:
            flagged_steps = np.where(trend_steps, steps, 0).astype(np.int8)
            trend[:, :-1] |= trend_steps
            trend[:, 1:] |= trend_steps
            # Step j joins points j and j + 1; a point ending one trend and starting another
            # takes the earlier trend's direction (as the engine, which keeps the first).
            trend_sign[:, :-1] = flagged_steps
            trend_sign[:, 1:] = np.where(flagged_steps != 0, flagged_steps, trend_sign[:, 1:])
        two = np.zeros((teams, width), dtype=bool)
        if width >= 3:
            s0, s1, s2 = side[:, :-2], side[:, 1:-1], side[:, 2:]
            c0, c1, c2 = close[:, :-2], close[:, 1:-1], close[:, 2:]
            window = (s0 != 0) & (s1 == s0) & (s2 == s0)
            window &= ((c0 == s0).astype(int) + (c1 == s0) + (c2 == s0)) >= 2
            two[:, :-2] |= window & (c0 == s0)
            two[:, 1:-1] |= window & (c1 == s0)
            two[:, 2:] |= window & (c2 == s0)

        positive |= (out > 0).any(axis=1) | (trend_steps & (steps > 0)).any(axis=1)
        negative |= (out < 0).any(axis=1) | (trend_steps & (steps < 0)).any(axis=1)
        positive |= ((two | shift) & (side > 0)).any(axis=1)
        negative |= ((two | shift) & (side < 0)).any(axis=1)

        rule = np.full((teams, width), _NONE, dtype=np.int64)
        sign = np.zeros((teams, width), dtype=np.int64)
        for priority, flags, signs in (
            (3, shift, side),
            (2, two, side),
            (1, trend, trend_sign),
            (0, out != 0, out),
        ):
            rule = np.where(flags, priority, rule)
            sign = np.where(flags, signs, sign)
        rows = np.flatnonzero(length > 0)
        if rows.size:
            at = length[rows] - 1
            has_last[rows] = True
            last_centre[rows] = centre[rows]
            last_rule[rows] = rule[rows, at]
            last_sign[rows] = sign[rows, at]

    last_used_col = size - 1 - np.argmax(used[:, ::-1], axis=1)
    return _rows(
        names,
        series,
        options,
        periods,
        positive=positive,
        negative=negative,
        has_last=has_last,
        last_period=[periods[c] for c in last_used_col.tolist()],
        last_value=ys[np.arange(teams), last_used_col],
        last_centre=last_centre,
        last_rule=last_rule,
        last_sign=last_sign,
        assurance_limits=_latest_limits(
            upper_all, lower_all, present, any_present, last_col, part_of_col, starts
        ),
    )


def _latest_limits(
    upper: Floats,
    lower: Floats,
    present: Bools,
    any_present: Bools,
    last_col: Ints,
    part_of_col: Ints,
    starts: list[int],
) -> tuple[Floats, Floats]:
    """Each team's limits at its last point that has them, within its last part."""
    size = upper.shape[1]
    part_start = np.asarray(starts)[part_of_col[last_col]]
    cols = np.arange(size)[None, :]
    candidates = (
        ~np.isnan(upper)
        & ~np.isnan(lower)
        & present
        & (cols >= part_start[:, None])
        & (cols <= last_col[:, None])
    )
    found = candidates.any(axis=1) & any_present
    at = size - 1 - np.argmax(candidates[:, ::-1], axis=1)
    rows = np.arange(upper.shape[0])
    return (
        np.where(found, upper[rows, at], np.nan),
        np.where(found, lower[rows, at], np.nan),
    )


def _rows(
    names: Sequence[str],
    series: Sequence[Series],
    options: ChartOptions,
    periods: list[str],
    *,
    positive: Bools,
    negative: Bools,
    has_last: Bools,
    last_period: list[str],
    last_value: Floats,
    last_centre: Floats,
    last_rule: Ints,
    last_sign: Ints,
    assurance_limits: tuple[Floats, Floats],
) -> list[TeamRow]:
    direction = options.direction
    target = engine_target(options)
    upper, lower = assurance_limits
    increasing = direction == "increase"
    high_class = signal_class(1, direction)
    low_class = signal_class(-1, direction)
    rows: list[TeamRow] = []
    for r, (name, s) in enumerate(zip(names, series, strict=True)):
        improvement = (bool(positive[r]) and high_class == "improvement") or (
            bool(negative[r]) and low_class == "improvement"
        )
        concern = (bool(positive[r]) and high_class == "concern") or (
            bool(negative[r]) and low_class == "concern"
        )
        neutral = direction == "neutral" and bool(positive[r] or negative[r])
        variation: Any = None
        latest_period = latest_value = centre = None
        if has_last[r]:
            latest_period = last_period[r]
            latest_value = float(last_value[r])
            if not np.isnan(last_centre[r]):
                centre = float(last_centre[r])
                if last_rule[r] == _NONE:
                    variation = "common_cause"
                else:
                    sign = int(last_sign[r])
                    variation = f"{signal_class(sign, direction)}_{'high' if sign > 0 else 'low'}"
        assurance: Any = None
        hi, lo = upper[r], lower[r]
        if target is not None and direction != "neutral" and not (np.isnan(hi) or np.isnan(lo)):
            if target > hi:
                assurance = "consistently_failing" if increasing else "consistently_passing"
            elif target < lo:
                assurance = "consistently_passing" if increasing else "consistently_failing"
            else:
                assurance = "hit_and_miss"
        rows.append(
            TeamRow(
                team=name,
                n_points=len(s.periods),
                latest_period=latest_period,
                latest_value=latest_value,
                centre=centre,
                variation=variation,
                assurance=assurance,
                improvement=improvement,
                concern=concern,
                neutral=neutral,
            )
        )
    return rows
