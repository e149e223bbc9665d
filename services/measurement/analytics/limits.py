"""Centre lines and limits per chart type, on one part's baseline (see `engine` for sources).

XmR: mean ± 2.66 x mean moving range; c: c̄ ± 3√c̄; p, u: ± 3 sigma per point from its
denominator; Laney p'/u': those sigmas scaled by sigma_z of the baseline's z-scores.

Limits are drawn from two baseline points on (qicharts2 always draws them); a part whose baseline
is shorter than the recommended length is marked ``short_baseline`` and the chart warns. Moving
ranges join consecutive baseline points only when no gap (a period without a value) lies between
them; excluded points are stepped over, as qicharts2 leaves them out of the series it differences.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import sqrt

from .analysis import Analysis, PartStats
from .models import ChartOptions
from .stats import median

XMR_LIMIT = 2.66
XMR_LIMIT_2SIGMA = 2.0 * XMR_LIMIT / 3.0
MR_SCREEN = 3.267
D2 = 1.128  # bias constant d2 for moving ranges of two points
# Fewest baseline points that limits are drawn from (one point has no spread to speak of).
MIN_BASELINE = 2

_PROPORTIONS = frozenset({"p", "pp"})
_LANEY = frozenset({"pp", "up"})


def _moving_ranges(a: Analysis, base: list[int], ys: Sequence[float]) -> list[float]:
    """|Δ| of consecutive baseline points (``ys[k]`` belongs to ``base[k]``) with no gap between."""
    return [abs(ys[k + 1] - ys[k]) for k in range(len(base) - 1) if a.joined(base[k], base[k + 1])]


def _moving_range_mean(mrs: list[float], screen: bool) -> float | None:
    if not mrs:
        return None
    amr = sum(mrs) / len(mrs)
    if screen and amr > 0:
        kept = [mr for mr in mrs if mr < MR_SCREEN * amr]
        amr = sum(kept) / len(kept)
    return amr


def fill_limits(
    a: Analysis,
    part: PartStats,
    base: list[int],
    options: ChartOptions,
) -> None:
    """The part's centre (and limits from two baseline points on), from its baseline ``base``."""
    part.baseline_points = len(base)
    if not base:
        return
    show = len(base) >= MIN_BASELINE
    part.limits_shown = show and a.chart_type != "run"
    _limits(a, part, base, options, show)
    part.short_baseline = part.limits_shown and len(base) < options.recommended_baseline


def _limits(
    a: Analysis, part: PartStats, base: list[int], options: ChartOptions, show: bool
) -> None:
    kind = a.chart_type
    values = a.values
    lower, upper, lower2, upper2, centre = a.lower, a.upper, a.lower2, a.upper2, a.centre
    indices = range(part.start, part.end)

    if kind == "run":
        cl = median([values[i] for i in base])  # type: ignore[misc]
        part.centre = cl
        for i in indices:
            centre[i] = cl
        return

    if kind in ("xmr", "c"):
        ys: list[float] = [values[i] for i in base]  # type: ignore[misc]
        cl = sum(ys) / len(ys)
        part.centre = cl
        for i in indices:
            centre[i] = cl
        if kind == "xmr":
            amr = _moving_range_mean(_moving_ranges(a, base, ys), options.screen_moving_ranges)
            part.figures["mean_moving_range"] = amr
            if amr is None:
                part.limits_shown = False
                return
            if not show:
                return
            hi, hi2 = cl + XMR_LIMIT * amr, cl + XMR_LIMIT_2SIGMA * amr
            lo, lo2 = cl - XMR_LIMIT * amr, cl - XMR_LIMIT_2SIGMA * amr
        else:
            sd = sqrt(cl) if cl > 0 else 0.0
            if not show:
                return
            hi, hi2 = cl + 3 * sd, cl + 2 * sd
            lo, lo2 = max(cl - 3 * sd, 0.0), max(cl - 2 * sd, 0.0)
        for i in indices:
            upper[i], upper2[i], lower[i], lower2[i] = hi, hi2, lo, lo2
        return

    # Pooled charts: p, p', u, u' with per-point denominators.
    nums, dens = a.numerators, a.denominators
    total_num = sum([nums[i] for i in base])  # type: ignore[misc]
    total_den = sum([dens[i] for i in base])  # type: ignore[misc]
    cl = total_num / total_den
    part.centre = cl
    for i in indices:
        centre[i] = cl
    proportion = kind in _PROPORTIONS
    spread = cl * (1.0 - cl) if proportion else cl
    spread = max(spread, 0.0)
    # sigma_i = sqrt(spread / n_i) for every point of the part that has a denominator.
    sds: list[float | None] = [
        sqrt(spread / den) if den is not None and den > 0 else None
        for den in dens[part.start : part.end]
    ]
    offset = part.start
    sigma_z = 1.0
    if kind in _LANEY:
        zs = [(values[i] - cl) / sds[i - offset] for i in base] if spread > 0 else []  # type: ignore[operator]
        mean_mr = _moving_range_mean(
            _moving_ranges(a, base, zs) if zs else [], options.screen_moving_ranges
        )
        if mean_mr is None:
            part.limits_shown = False
            return
        sigma_z = mean_mr / D2
        part.figures["sigma_z"] = sigma_z
    if not show:
        return
    three, two = 3.0 * sigma_z, 2.0 * sigma_z
    for k, sd_i in enumerate(sds):
        if sd_i is None:
            continue
        i = k + offset
        d3, d2 = three * sd_i, two * sd_i
        hi, hi2, lo, lo2 = cl + d3, cl + d2, cl - d3, cl - d2
        if proportion:
            if hi > 1.0:
                hi = 1.0
            if hi2 > 1.0:
                hi2 = 1.0
        if lo < 0.0:
            lo = 0.0
        if lo2 < 0.0:
            lo2 = 0.0
        upper[i] = hi
        upper2[i] = hi2
        lower[i] = lo
        lower2[i] = lo2
