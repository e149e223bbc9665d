"""The signal rules on one part's used points: Making Data Count (outside the limits, shift,
trend, two of three beyond 2 sigma) for control charts; Anhøj or IHI rules for run charts.
"""

from __future__ import annotations

from .analysis import Analysis, Occurrence, PartStats
from .stats import anhoj_crossings_min, anhoj_longest_run_max, swed_eisenhart_limits

IHI_SHIFT = 6
IHI_TREND = 5


def _sides(ys: list[float], cls: list[float], eps: float) -> list[int]:
    return [1 if y - c > eps else (-1 if c - y > eps else 0) for y, c in zip(ys, cls, strict=True)]


def _runs_of(signs: list[int]) -> list[tuple[int, int, int]]:
    """Maximal runs of equal non-zero signs as (start, end exclusive, sign)."""
    runs: list[tuple[int, int, int]] = []
    start = 0
    size = len(signs)
    while start < size:
        s = signs[start]
        end = start + 1
        while end < size and signs[end] == s:
            end += 1
        if s != 0:
            runs.append((start, end, s))
        start = end
    return runs


def mdc_rules(
    idx: list[int], a: Analysis, part: PartStats, n_rule: int, eps: float
) -> list[Occurrence]:
    """Making Data Count rules in one pass over the part's used points (hot path)."""
    values = a.values
    cl: float = part.centre  # type: ignore[assignment]
    m = len(idx)
    found: list[Occurrence] = []
    append = found.append
    pi = part.index
    limits = part.limits_shown
    lower, upper, lower2, upper2 = a.lower, a.upper, a.lower2, a.upper2
    side = [0] * m
    close = [0] * m
    run_start = run_sign = 0  # shift: runs of points on one side of the mean
    trend_start = trend_sign = 0  # trend: runs of equal-signed steps, as points
    out_start = out_sign = 0  # outside: consecutive points beyond the same limit
    prev = 0.0
    for j in range(m):
        i = idx[j]
        y: float = values[i]  # type: ignore[assignment]
        d = y - cl
        s = 1 if d > eps else (-1 if d < -eps else 0)
        side[j] = s
        if s != run_sign:
            if run_sign and j - run_start >= n_rule:
                append(Occurrence("shift", run_sign, idx[run_start:j], pi))
            run_start, run_sign = j, s
        if j:
            step = y - prev
            t = 1 if step > eps else (-1 if step < -eps else 0)
            if t != trend_sign:
                if trend_sign and j - trend_start >= n_rule:
                    append(Occurrence("trend", trend_sign, idx[trend_start:j], pi))
                trend_start, trend_sign = j - 1, t
        prev = y
        if limits:
            hi, lo = upper[i], lower[i]
            o = 0
            if hi is not None and lo is not None:
                if y - hi > eps:
                    o = 1
                elif lo - y > eps:
                    o = -1
                elif y - upper2[i] > eps:  # type: ignore[operator]
                    close[j] = 1
                elif lower2[i] - y > eps:  # type: ignore[operator]
                    close[j] = -1
            if o != out_sign:
                if out_sign:
                    append(Occurrence("outside_limits", out_sign, idx[out_start:j], pi))
                out_start, out_sign = j, o
    if run_sign and m - run_start >= n_rule:
        append(Occurrence("shift", run_sign, idx[run_start:m], pi))
    if trend_sign and m - trend_start >= n_rule:
        append(Occurrence("trend", trend_sign, idx[trend_start:m], pi))
    if out_sign:
        append(Occurrence("outside_limits", out_sign, idx[out_start:m], pi))

    if limits:
        # Two of three: a window of three consecutive points all on one side, two or three of
        # them beyond 2 sigma (but inside 3 sigma) on that side; those beyond 2 sigma are flagged.
        # Overlapping qualifying windows on the same side make one occurrence.
        spans: list[list[int]] = []
        for j in range(m - 2):
            s = close[j] or close[j + 1]
            if not s or side[j] != s or side[j + 1] != s or side[j + 2] != s:
                continue
            if (close[j] == s) + (close[j + 1] == s) + (close[j + 2] == s) < 2:
                continue
            if spans and spans[-1][2] == s and j <= spans[-1][1]:
                spans[-1][1] = j + 2
            else:
                spans.append([j, j + 2, s])
        for first, last, s in spans:
            points = [idx[k] for k in range(first, last + 1) if close[k] == s]
            append(Occurrence("two_of_three", s, points, pi))
    return found


def _useful_runs(
    idx: list[int], a: Analysis, part: PartStats, eps: float
) -> tuple[list[float], list[tuple[int, int]], list[tuple[int, int, int]]]:
    """The part's values, its useful points (index, side; points on the centre dropped) and the
    runs those make, with the figures every runs analysis reports."""
    values, centre = a.values, a.centre
    ys: list[float] = [values[i] for i in idx]  # type: ignore[misc]
    cls: list[float] = [centre[i] for i in idx]  # type: ignore[misc]
    side = _sides(ys, cls, eps)
    useful = [(i, s) for i, s in zip(idx, side, strict=True) if s != 0]
    runs = _runs_of([s for _, s in useful])
    figures = part.figures
    figures["useful_points"] = len(useful)
    if runs:
        figures["runs"], figures["crossings"] = len(runs), len(runs) - 1
        figures["longest_run"] = max(end - start for start, end, _ in runs)
    return ys, useful, runs


def anhoj_rules(idx: list[int], a: Analysis, part: PartStats, eps: float) -> list[Occurrence]:
    """Anhøj's runs analysis (qicharts2) of the part's points against its centre line: a run
    longer than round(log2(n)) + 3, or fewer crossings than qbinom(0.05, n - 1, 0.5). Run on every
    chart for its figures and ``runs_signal``; its occurrences are signals on run charts only."""
    _, useful, runs = _useful_runs(idx, a, part, eps)
    found: list[Occurrence] = []
    if not useful:
        return found
    n_useful = len(useful)
    longest_max = anhoj_longest_run_max(n_useful)
    crossings_min = anhoj_crossings_min(n_useful)
    part.figures["longest_run_max"], part.figures["crossings_min"] = longest_max, crossings_min
    for start, end, s in runs:
        if end - start > longest_max:
            found.append(
                Occurrence("anhoj_long_run", s, [i for i, _ in useful[start:end]], part.index)
            )
    if len(runs) - 1 < crossings_min:
        found.append(Occurrence("anhoj_few_crossings", 0, list(idx), part.index))
    part.runs_signal = bool(found)
    return found


def ihi_rules(idx: list[int], a: Analysis, part: PartStats, eps: float) -> list[Occurrence]:
    """The IHI run chart rules: a shift of 6+ useful points, a trend of 5+ points, and the number
    of runs against the Swed-Eisenhart limits (the last marks the centre line)."""
    ys, useful, runs = _useful_runs(idx, a, part, eps)
    found: list[Occurrence] = []
    pi = part.index
    if not useful:
        return found
    # IHI: shift of 6+ useful points (points on the median neither make nor break it).
    for start, end, s in runs:
        if end - start >= IHI_SHIFT:
            found.append(Occurrence("ihi_shift", s, [i for i, _ in useful[start:end]], pi))
    # IHI: trend of 5+ points up or down, a value equal to its neighbour not counted.
    kept = [0] + [j for j in range(1, len(ys)) if abs(ys[j] - ys[j - 1]) > eps]
    if len(kept) >= IHI_TREND:
        steps = [1 if ys[kept[k + 1]] > ys[kept[k]] else -1 for k in range(len(kept) - 1)]
        for start, end, s in _runs_of(steps):
            if end - start + 1 >= IHI_TREND:
                found.append(Occurrence("ihi_trend", s, idx[kept[start] : kept[end] + 1], pi))
    # IHI: number of runs against the Swed-Eisenhart limits for the counts above and below.
    above = sum(1 for _, s in useful if s == 1)
    below = len(useful) - above
    if above and below:
        lower, upper = swed_eisenhart_limits(above, below)
        part.figures["runs_lower"], part.figures["runs_upper"] = lower, upper
        if lower is not None and len(runs) < lower:
            found.append(Occurrence("ihi_too_few_runs", 0, list(idx), pi))
            part.runs_signal = True
        if upper is not None and len(runs) > upper:
            found.append(Occurrence("ihi_too_many_runs", 0, list(idx), pi))
            part.runs_signal = True
    return found
