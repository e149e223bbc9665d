"""Chart computation: centre lines, limits, parts, baselines, exclusions and the signal rules.

Pure functions over plain lists (no database, no I/O). `analyse` is the core; `compute_chart` wraps
it in the `Chart` answer model. The collaborative's team table runs the same rules on a numpy grid
for all teams at once (`batch.py`), checked against this module by a property test.

Sources of each formula:
- run chart: median centre line; Anhøj rules as qicharts2 `runs.analysis`; IHI rules (shift 6,
  trend 5, runs against Swed-Eisenhart critical values from the exact runs distribution).
- XmR: mean ± 2.66 x mean moving range, 2-sigma lines at ± 2/3 of that (NHSRplotthedots), optional
  screening keeping moving ranges < 3.267 x their mean (Nelson 1982, as qicharts2/NHSRplotthedots).
- p: p̄ = Σy/Σn, p̄ ± 3√(p̄(1-p̄)/nᵢ) clipped to [0, 1]; u: ū ± 3√(ū/nᵢ); c: c̄ ± 3√c̄, floored at 0.
- Laney p'/u': z_i = (y_i - centre)/s_i on the baseline, sigma_z = mean |Δz| / 1.128, limits
  ± 3 s_i sigma_z (qicharts2 `qic.pp`/`qic.up`).
- Making Data Count rules (NHSRplotthedots): outside the limits; shift of N on one side of the
  mean (a point on it breaks the run); trend of N strictly rising or falling points (ties break
  it); two of three beyond 2 sigma (not beyond 3 sigma) with all three on the same side,
  flagging the points beyond 2 sigma. Priority outside > trend > two-of-three > shift decides a point's class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from math import sqrt
from typing import Any

from pydantic import TypeAdapter

from .models import (
    Annotation,
    Assurance,
    Chart,
    ChartOptions,
    ChartPart,
    ChartPoint,
    ChartPointInput,
    ChartSummary,
    Direction,
    PointClass,
    Signal,
    SignalClass,
    Variation,
)
from .stats import anhoj_crossings_min, anhoj_longest_run_max, median, swed_eisenhart_limits

XMR_LIMIT = 2.66
XMR_LIMIT_2SIGMA = 2.0 * XMR_LIMIT / 3.0
MR_SCREEN = 3.267
D2 = 1.128  # bias constant d2 for moving ranges of two points
IHI_SHIFT = 6
IHI_TREND = 5

RULE_PRIORITY: dict[str, int] = {
    "outside_limits": 0,
    "trend": 1,
    "two_of_three": 2,
    "shift": 3,
    "anhoj_long_run": 4,
    "anhoj_few_crossings": 5,
    "ihi_trend": 6,
    "ihi_shift": 7,
    "ihi_too_few_runs": 8,
    "ihi_too_many_runs": 9,
}
_NO_RULE = 99

_ALIASES = {"i": "xmr"}
_POOLED = frozenset({"p", "pp", "u", "up"})
_PROPORTIONS = frozenset({"p", "pp"})
_LANEY = frozenset({"pp", "up"})


@dataclass(slots=True)
class Series:
    """A series in columns (the fast input form): one list entry per period, in time order."""

    periods: Sequence[str]
    values: Sequence[float | None] | None = None
    numerators: Sequence[float | None] | None = None
    denominators: Sequence[float | None] | None = None
    ns: Sequence[float | None] | None = None

    @classmethod
    def from_points(cls, points: Sequence[ChartPointInput | Mapping[str, Any]]) -> Series:
        parsed = [
            p if isinstance(p, ChartPointInput) else ChartPointInput.model_validate(p)
            for p in points
        ]
        return cls(
            periods=[p.period for p in parsed],
            values=[p.value for p in parsed],
            numerators=[p.numerator for p in parsed],
            denominators=[p.denominator for p in parsed],
            ns=[p.n for p in parsed],
        )


@dataclass(slots=True)
class PartStats:
    index: int
    start: int
    end: int  # exclusive
    centre: float | None = None
    baseline_points: int = 0
    frozen: bool = False
    limits_shown: bool = False
    mean_moving_range: float | None = None
    sigma_z: float | None = None
    useful_points: int | None = None
    longest_run: int | None = None
    longest_run_max: int | None = None
    crossings: int | None = None
    crossings_min: int | None = None
    runs: int | None = None
    runs_lower: int | None = None
    runs_upper: int | None = None


@dataclass(slots=True)
class Occurrence:
    """One firing of a rule: the points it flagged and its sign (+1 high/rising, -1, 0 none)."""

    rule: str
    sign: int
    points: list[int]
    part: int


@dataclass(slots=True)
class Analysis:
    chart_type: str
    direction: Direction
    periods: list[str]
    values: list[float | None]
    numerators: list[float | None]
    denominators: list[float | None]
    ns: list[float | None]
    excluded: list[bool]
    used: list[bool]
    baseline: list[bool]
    part_of: list[int]
    centre: list[float | None]
    lower: list[float | None]
    upper: list[float | None]
    lower2: list[float | None]
    upper2: list[float | None]
    parts: list[PartStats]
    occurrences: list[Occurrence]
    point_rule: list[int]  # best (lowest) rule priority per point, _NO_RULE when none
    point_sign: list[int]
    flags: dict[int, list[str]] = field(default_factory=dict)

    @property
    def last_used(self) -> int | None:
        used = self.used
        for i in range(len(used) - 1, -1, -1):
            if used[i]:
                return i
        return None


def _num(x: Any) -> float | None:
    return None if x is None else float(x)


def signal_class(sign: int, direction: str) -> SignalClass:
    """Improvement or concern by the measure's direction; sign 0 (runs, crossings) is neutral."""
    if sign == 0 or direction == "neutral":
        return "neutral"
    if (sign > 0) == (direction == "increase"):
        return "improvement"
    return "concern"


def _index_of_period(periods: Sequence[str], label: str, *, after: bool) -> int:
    """Index of `label`; if absent, the first period beyond it (labels are ISO, so they sort)."""
    for i, p in enumerate(periods):
        if p == label:
            return i + 1 if after else i
    for i, p in enumerate(periods):
        if p > label:
            return i
    return len(periods)


def _resolve_positions(periods: Sequence[str], items: Sequence[int | str]) -> list[int]:
    return [
        item if isinstance(item, int) else _index_of_period(periods, item, after=False)
        for item in items
    ]


# --- limits per chart type -------------------------------------------------------------------


def _moving_range_mean(values: list[float], screen: bool) -> float | None:
    if len(values) < 2:
        return None
    mrs = [abs(values[k + 1] - values[k]) for k in range(len(values) - 1)]
    amr = sum(mrs) / len(mrs)
    if screen and amr > 0:
        kept = [mr for mr in mrs if mr < MR_SCREEN * amr]
        amr = sum(kept) / len(kept)
    return amr


def _fill_limits(
    a: Analysis,
    part: PartStats,
    base: list[int],
    options: ChartOptions,
) -> None:
    kind = a.chart_type
    values = a.values
    lower, upper, lower2, upper2, centre = a.lower, a.upper, a.lower2, a.upper2, a.centre
    indices = range(part.start, part.end)
    part.baseline_points = len(base)
    if not base:
        return
    show = len(base) >= options.min_points_for_limits
    part.limits_shown = show and kind != "run"

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
            amr = _moving_range_mean(ys, options.screen_moving_ranges)
            part.mean_moving_range = amr
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
        mean_mr = _moving_range_mean(zs, options.screen_moving_ranges)
        if mean_mr is None:
            part.limits_shown = False
            return
        sigma_z = mean_mr / D2
        part.sigma_z = sigma_z
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


# --- rules -----------------------------------------------------------------------------------


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


def _mdc_rules(
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


def _run_chart_rules(
    idx: list[int], a: Analysis, part: PartStats, rule_set: str, eps: float
) -> list[Occurrence]:
    values, centre = a.values, a.centre
    ys: list[float] = [values[i] for i in idx]  # type: ignore[misc]
    cls: list[float] = [centre[i] for i in idx]  # type: ignore[misc]
    side = _sides(ys, cls, eps)
    useful = [(i, s) for i, s in zip(idx, side, strict=True) if s != 0]
    useful_signs = [s for _, s in useful]
    n_useful = len(useful)
    part.useful_points = n_useful
    found: list[Occurrence] = []
    pi = part.index
    if not n_useful:
        return found
    runs = _runs_of(useful_signs)
    part.runs = len(runs)
    part.crossings = len(runs) - 1
    part.longest_run = max(end - start for start, end, _ in runs)

    if rule_set == "anhoj":
        longest_max = anhoj_longest_run_max(n_useful)
        crossings_min = anhoj_crossings_min(n_useful)
        part.longest_run_max = longest_max
        part.crossings_min = crossings_min
        for start, end, s in runs:
            if end - start > longest_max:
                found.append(Occurrence("anhoj_long_run", s, [i for i, _ in useful[start:end]], pi))
        if part.crossings < crossings_min:
            found.append(Occurrence("anhoj_few_crossings", 0, list(idx), pi))
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
    above = useful_signs.count(1)
    below = n_useful - above
    if above and below:
        lower, upper = swed_eisenhart_limits(above, below)
        part.runs_lower, part.runs_upper = lower, upper
        if lower is not None and part.runs < lower:
            found.append(Occurrence("ihi_too_few_runs", 0, list(idx), pi))
        if upper is not None and part.runs > upper:
            found.append(Occurrence("ihi_too_many_runs", 0, list(idx), pi))
    return found


# --- the core --------------------------------------------------------------------------------


def analyse(series: Series, options: ChartOptions) -> Analysis:
    kind = _ALIASES.get(options.chart_type, options.chart_type)
    periods = list(series.periods)
    size = len(periods)
    blank: list[float | None] = [None] * size
    raw_values = series.values if series.values is not None else blank
    nums = series.numerators if series.numerators is not None else blank
    dens = series.denominators if series.denominators is not None else blank
    ns = series.ns if series.ns is not None else blank

    # Values on the chart: a rate or proportion is numerator/denominator; a count is the value.
    values: list[float | None] = [None] * size
    # Floats throughout (a caller's Series may carry ints or Decimals).
    numerators: list[float | None] = [None if x is None else float(x) for x in nums]
    denominators: list[float | None] = [None if x is None else float(x) for x in dens]
    dens = denominators
    if kind in _POOLED:
        if series.values is not None and None in numerators:
            for i in range(size):
                den = dens[i]
                if numerators[i] is None and raw_values[i] is not None and den is not None:
                    numerators[i] = float(raw_values[i]) * den  # type: ignore[arg-type]
        values = [
            n / d if n is not None and d is not None and d > 0 else None
            for n, d in zip(numerators, dens, strict=True)
        ]
    else:
        for i in range(size):
            v = raw_values[i]
            if v is None:
                num, den = nums[i], dens[i]
                if kind == "c":
                    v = num
                elif num is not None and den is not None and den > 0:
                    v = float(num) / float(den)
            values[i] = None if v is None else float(v)

    # An excluded period that the series does not have excludes nothing.
    excluded = [False] * size
    if options.exclude:
        labels = {item for item in options.exclude if isinstance(item, str)}
        for i in range(size):
            if periods[i] in labels:
                excluded[i] = True
        for item in options.exclude:
            if isinstance(item, int) and 0 <= item < size:
                excluded[item] = True
    used = [values[i] is not None and not excluded[i] for i in range(size)]

    starts = sorted({0, *(s for s in _resolve_positions(periods, options.part_starts) if s > 0)})
    starts = [s for s in starts if s < size] or [0]
    bounds = [*starts, size]
    part_of = [0] * size
    parts: list[PartStats] = []
    for k in range(len(starts)):
        parts.append(PartStats(index=k, start=bounds[k], end=bounds[k + 1]))
        for i in range(bounds[k], bounds[k + 1]):
            part_of[i] = k

    a = Analysis(
        chart_type=kind,
        direction=options.direction,
        periods=periods,
        values=values,
        numerators=numerators,
        denominators=denominators,
        ns=[None if x is None else float(x) for x in ns],
        excluded=excluded,
        used=used,
        baseline=[False] * size,
        part_of=part_of,
        centre=[None] * size,
        lower=[None] * size,
        upper=[None] * size,
        lower2=[None] * size,
        upper2=[None] * size,
        parts=parts,
        occurrences=[],
        point_rule=[_NO_RULE] * size,
        point_sign=[0] * size,
    )
    if size == 0:
        return a

    freeze_end: int | None = None
    if options.freeze is not None:
        freeze = options.freeze
        freeze_end = (
            freeze if isinstance(freeze, int) else _index_of_period(periods, freeze, after=True)
        )

    scale = max([abs(v) for v, u in zip(values, used, strict=True) if u], default=1.0)  # type: ignore[arg-type]
    eps = 1e-9 * max(scale, 1.0)
    is_run = kind == "run"
    in_baseline = a.baseline
    occurrences = a.occurrences
    for part in parts:
        base_end = part.end
        if part.index == 0 and freeze_end is not None and freeze_end < part.end:
            base_end = max(freeze_end, part.start)
            part.frozen = True
        base = [i for i in range(part.start, base_end) if used[i]]
        for i in base:
            in_baseline[i] = True
        _fill_limits(a, part, base, options)
        if part.centre is None:
            continue
        idx = [i for i in range(part.start, part.end) if used[i]]
        if is_run:
            occurrences.extend(_run_chart_rules(idx, a, part, options.run_rules, eps))
        else:
            occurrences.extend(_mdc_rules(idx, a, part, options.shift_trend_n, eps))

    occurrences.sort(key=lambda o: (o.points[0], RULE_PRIORITY[o.rule]))
    point_rule, point_sign, flags = a.point_rule, a.point_sign, a.flags
    for occ in occurrences:
        priority = RULE_PRIORITY[occ.rule]
        for i in occ.points:
            flags.setdefault(i, []).append(occ.rule)
            if priority < point_rule[i]:
                point_rule[i] = priority
                point_sign[i] = occ.sign
    return a


# --- reading an analysis ---------------------------------------------------------------------


def point_class(a: Analysis, i: int) -> PointClass | None:
    if not a.used[i]:
        return None
    if a.point_rule[i] == _NO_RULE:
        return "common_cause"
    return signal_class(a.point_sign[i], a.direction)


def variation_icon(a: Analysis) -> Variation | None:
    """The variation icon is the class of the last point, high or low by its side or trend."""
    last = a.last_used
    if last is None or a.centre[last] is None:
        return None
    if a.point_rule[last] == _NO_RULE:
        return "common_cause"
    klass = signal_class(a.point_sign[last], a.direction)
    sign = a.point_sign[last]
    if sign == 0:
        value, centre = a.values[last], a.centre[last]
        sign = 1 if value is not None and centre is not None and value >= centre else -1
    return f"{klass}_{'high' if sign > 0 else 'low'}"  # type: ignore[return-value]


def assurance(a: Analysis, target: float | None) -> Assurance | None:
    """Target against the latest limits (NHSRplotthedots): beyond a limit → consistent."""
    if target is None or a.direction == "neutral" or not a.periods:
        return None
    last_part = a.parts[-1]
    hi = lo = None
    for i in range(last_part.end - 1, last_part.start - 1, -1):
        hi, lo = a.upper[i], a.lower[i]
        if hi is not None and lo is not None:
            break
    if hi is None or lo is None:
        return None
    increasing = a.direction == "increase"
    if target > hi:
        return "consistently_failing" if increasing else "consistently_passing"
    if target < lo:
        return "consistently_passing" if increasing else "consistently_failing"
    return "hit_and_miss"


def signal_key(rule: str, klass: str, first_period: str) -> str:
    """Identity of a signal across recomputations: a run that grows keeps its first period."""
    return f"{rule}|{klass}|{first_period}"


def signals_of(a: Analysis) -> list[Signal]:
    periods = a.periods
    out: list[Signal] = []
    for occ in a.occurrences:
        klass = signal_class(occ.sign, a.direction)
        occ_periods = [periods[i] for i in occ.points]
        out.append(
            Signal(
                rule=occ.rule,
                signal_class=klass,
                part=occ.part,
                points=list(occ.points),
                periods=occ_periods,
                key=signal_key(occ.rule, klass, occ_periods[0]),
            )
        )
    return out


def signal_classes(a: Analysis) -> set[SignalClass]:
    return {signal_class(occ.sign, a.direction) for occ in a.occurrences}


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


_POINTS: TypeAdapter[list[ChartPoint]] = TypeAdapter(list[ChartPoint])

_NAMES = {
    "run": "Run chart",
    "xmr": "XmR chart",
    "p": "p chart",
    "pp": "p' chart (Laney)",
    "u": "u chart",
    "up": "u' chart (Laney)",
    "c": "c chart",
}


def compute_chart(
    points: Series | Sequence[ChartPointInput | Mapping[str, Any]],
    options: ChartOptions | None = None,
    **overrides: Any,
) -> Chart:
    """The chart answer for a series. `overrides` are ChartOptions fields (chart_type="p", ...)."""
    if options is None:
        options = ChartOptions(**overrides)
    elif overrides:
        options = options.model_copy(update=overrides)
        options = ChartOptions.model_validate(options.model_dump())
    series = points if isinstance(points, Series) else Series.from_points(points)
    a = analyse(series, options)
    return chart_from_analysis(a, options)


def chart_from_analysis(a: Analysis, options: ChartOptions) -> Chart:
    size = len(a.periods)
    flags = a.flags
    # Plain dicts validated in one call: several times faster than one model per point.
    point_rows = [
        dict(
            index=i,
            period=a.periods[i],
            value=a.values[i],
            numerator=a.numerators[i],
            denominator=a.denominators[i],
            n=a.ns[i],
            excluded=a.excluded[i],
            used=a.used[i],
            baseline=a.baseline[i],
            part=a.part_of[i],
            centre=a.centre[i],
            lower=a.lower[i],
            upper=a.upper[i],
            lower_2sigma=a.lower2[i],
            upper_2sigma=a.upper2[i],
            flags=sorted(flags.get(i, []), key=RULE_PRIORITY.__getitem__),
            point_class=point_class(a, i),
        )
        for i in range(size)
    ]
    chart_points = _POINTS.validate_python(point_rows)
    parts = [
        ChartPart(
            index=p.index,
            start=p.start,
            end=p.end - 1,
            start_period=a.periods[p.start],
            end_period=a.periods[p.end - 1],
            centre=p.centre,
            baseline_points=p.baseline_points,
            frozen=p.frozen,
            limits_shown=p.limits_shown,
            mean_moving_range=p.mean_moving_range,
            sigma_z=p.sigma_z,
            useful_points=p.useful_points,
            longest_run=p.longest_run,
            longest_run_max=p.longest_run_max,
            crossings=p.crossings,
            crossings_min=p.crossings_min,
            runs=p.runs,
            runs_lower=p.runs_lower,
            runs_upper=p.runs_upper,
        )
        for p in a.parts
        if p.end > p.start
    ]
    signals = signals_of(a)
    index_of = {p: i for i, p in enumerate(a.periods)}
    annotations = [
        Annotation(period=period, note=note, index=index_of.get(period))
        for period, note in sorted(options.annotations.items())
    ]
    variation = variation_icon(a)
    assured = assurance(a, options.target)
    last = a.last_used
    counts = {"improvement": 0, "concern": 0, "neutral": 0}
    for s in signals:
        counts[s.signal_class] += 1
    name = _NAMES[a.chart_type]
    text = f"{name} of {size} points"
    if last is not None:
        text += (
            f"; latest {a.periods[last]} = {_fmt(a.values[last])}, centre {_fmt(a.centre[last])}"
        )
    text += (
        f"; signals: {counts['improvement']} improvement, {counts['concern']} concern, "
        f"{counts['neutral']} neutral"
    )
    if variation:
        text += f"; variation: {variation.replace('_', ' ')}"
    if assured:
        text += f"; assurance: {assured.replace('_', ' ')}"
    summary = ChartSummary(
        n_points=size,
        n_used=sum(a.used),
        latest_period=None if last is None else a.periods[last],
        latest_value=None if last is None else a.values[last],
        latest_centre=None if last is None else a.centre[last],
        latest_lower=None if last is None else a.lower[last],
        latest_upper=None if last is None else a.upper[last],
        improvement_signals=counts["improvement"],
        concern_signals=counts["concern"],
        neutral_signals=counts["neutral"],
        text=text,
    )
    rule_set = options.run_rules if a.chart_type == "run" else "making_data_count"
    return Chart(
        chart_type=a.chart_type,
        rule_set=rule_set,
        direction=a.direction,
        target=options.target,
        shift_trend_n=options.shift_trend_n,
        limits_shown=any(p.limits_shown for p in a.parts),
        points=chart_points,
        parts=parts,
        signals=signals,
        variation=variation,
        assurance=assured,
        annotations=annotations,
        summary=summary,
    )
