"""Chart computation: parts, baselines and exclusions, then the limits (`limits.py`) and the
signal rules (`rules.py`) of each part, read into the `Chart` answer.

Pure functions over plain lists (no database, no I/O). `analyse` is the core; `compute_chart` checks
the options against the series (`checks.py`) and reads the analysis into the `Chart` answer model
(`reading.py`). The collaborative's team table runs the same rules on a numpy grid
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

As in qicharts2: an excluded point is left out of the centre and limits only (the rules still judge
it); a period without a value is a gap that no moving range spans; limits are drawn from two
baseline points on (a shorter baseline than recommended is marked and warned about).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .analysis import NO_RULE, PART_RULES, RULE_PRIORITY, Analysis, PartStats, Series
from .checks import check_options, index_of_period
from .limits import fill_limits
from .models import Chart, ChartOptions, ChartPointInput
from .reading import chart_from_analysis, signal_key
from .rules import anhoj_rules, ihi_rules, mdc_rules

__all__ = ["Series", "analyse", "chart_from_analysis", "compute_chart", "signal_key"]

_ALIASES = {"i": "xmr"}
_POOLED = frozenset({"p", "pp", "u", "up"})


def _resolve_positions(periods: Sequence[str], items: Sequence[int | str]) -> list[int]:
    return [
        item if isinstance(item, int) else index_of_period(periods, item, after=False)
        for item in items
    ]


def _floats(column: Sequence[Any] | None, size: int) -> list[float | None]:
    if column is None:
        return [None] * size
    return [None if x is None else float(x) for x in column]


def _withheld(
    ns: list[float | None], columns: Sequence[list[float | None]], below: int
) -> list[bool]:
    """Periods built from fewer than ``below`` responses: their values are taken out (a gap)."""
    suppressed = [False] * len(ns)
    if below <= 0:
        return suppressed
    for i, n in enumerate(ns):
        if n is not None and n < below and any(column[i] is not None for column in columns):
            suppressed[i] = True
            for column in columns:
                column[i] = None
    return suppressed


def _values(
    kind: str,
    raw_values: list[float | None],
    numerators: list[float | None],
    denominators: list[float | None],
) -> list[float | None]:
    """Values on the chart: a rate or proportion is numerator/denominator; a count the value."""
    size = len(raw_values)
    if kind in _POOLED:
        for i in range(size):
            den, value = denominators[i], raw_values[i]
            if numerators[i] is None and value is not None and den is not None:
                numerators[i] = value * den
        return [
            n / d if n is not None and d is not None and d > 0 else None
            for n, d in zip(numerators, denominators, strict=True)
        ]
    values: list[float | None] = [None] * size
    for i in range(size):
        v = raw_values[i]
        if v is None:
            num, den = numerators[i], denominators[i]
            if kind == "c":
                v = num
            elif num is not None and den is not None and den > 0:
                v = num / den
        values[i] = v
    return values


def _excluded(periods: Sequence[str], items: Sequence[int | str]) -> list[bool]:
    size = len(periods)
    excluded = [False] * size
    labels = {item for item in items if isinstance(item, str)}
    for i in range(size):
        if periods[i] in labels:
            excluded[i] = True
    for item in items:
        if isinstance(item, int) and 0 <= item < size:
            excluded[item] = True
    return excluded


def _parts(periods: Sequence[str], options: ChartOptions) -> tuple[list[PartStats], list[int]]:
    size = len(periods)
    starts = sorted({0, *(s for s in _resolve_positions(periods, options.part_starts) if s > 0)})
    starts = [s for s in starts if s < size] or [0]
    bounds = [*starts, size]
    part_of = [0] * size
    parts: list[PartStats] = []
    for k in range(len(starts)):
        parts.append(PartStats(index=k, start=bounds[k], end=bounds[k + 1]))
        for i in range(bounds[k], bounds[k + 1]):
            part_of[i] = k
    return parts, part_of


# --- the core --------------------------------------------------------------------------------


def analyse(series: Series, options: ChartOptions) -> Analysis:
    kind = _ALIASES.get(options.chart_type, options.chart_type)
    periods = list(series.periods)
    size = len(periods)
    # Floats throughout (a caller's Series may carry ints or Decimals).
    raw_values = _floats(series.values, size)
    numerators = _floats(series.numerators, size)
    denominators = _floats(series.denominators, size)
    ns = _floats(series.ns, size)
    suppressed = _withheld(ns, (raw_values, numerators, denominators), options.suppress_below)
    values = _values(kind, raw_values, numerators, denominators)

    # An excluded period that the series does not have excludes nothing (`checks` refuses it
    # for a chart asked for; a team inside a collaborative may simply lack the period).
    excluded = _excluded(periods, options.exclude)
    used = [v is not None for v in values]
    calc = [u and not x for u, x in zip(used, excluded, strict=True)]
    gaps_before = [0] * (size + 1)
    for i in range(size):
        gaps_before[i + 1] = gaps_before[i] + (values[i] is None)
    parts, part_of = _parts(periods, options)

    a = Analysis(
        chart_type=kind,
        direction=options.direction,
        periods=periods,
        values=values,
        numerators=numerators,
        denominators=denominators,
        ns=ns,
        excluded=excluded,
        used=used,
        calc=calc,
        suppressed=suppressed,
        baseline=[False] * size,
        part_of=part_of,
        centre=[None] * size,
        lower=[None] * size,
        upper=[None] * size,
        lower2=[None] * size,
        upper2=[None] * size,
        parts=parts,
        occurrences=[],
        point_rule=[NO_RULE] * size,
        point_sign=[0] * size,
        gaps_before=gaps_before,
    )
    if size == 0:
        return a

    freeze_end: int | None = None
    if options.freeze is not None:
        freeze = options.freeze
        freeze_end = (
            freeze if isinstance(freeze, int) else index_of_period(periods, freeze, after=True)
        )

    scale = max([abs(v) for v in values if v is not None], default=1.0)
    eps = 1e-9 * max(scale, 1.0)
    in_baseline = a.baseline
    occurrences = a.occurrences
    for part in parts:
        base_end = part.end
        if part.index == 0 and freeze_end is not None and freeze_end < part.end:
            base_end = max(freeze_end, part.start)
            part.frozen = True
        base = [i for i in range(part.start, base_end) if calc[i]]
        for i in base:
            in_baseline[i] = True
        fill_limits(a, part, base, options)
        if part.centre is None:
            continue
        idx = [i for i in range(part.start, part.end) if used[i]]
        if kind != "run":
            occurrences.extend(mdc_rules(idx, a, part, options.shift_trend_n, eps))
            anhoj_rules(idx, a, part, eps)  # its figures and runs_signal; MDC rules signal
        elif options.run_rules == "anhoj":
            occurrences.extend(anhoj_rules(idx, a, part, eps))
        else:
            occurrences.extend(ihi_rules(idx, a, part, eps))

    occurrences.sort(key=lambda o: (o.points[0], RULE_PRIORITY[o.rule]))
    point_rule, point_sign, flags = a.point_rule, a.point_sign, a.flags
    for occ in occurrences:
        if occ.rule in PART_RULES:
            continue  # marks the part's centre line (runs_signal), not its points
        priority = RULE_PRIORITY[occ.rule]
        for i in occ.points:
            flags.setdefault(i, []).append(occ.rule)
            if priority < point_rule[i]:
                point_rule[i] = priority
                point_sign[i] = occ.sign
    return a


def compute_chart(
    points: Series | Sequence[ChartPointInput | Mapping[str, Any]],
    options: ChartOptions | None = None,
    **overrides: Any,
) -> Chart:
    """The chart answer for a series. `overrides` are ChartOptions fields (chart_type="p", ...).

    Raises `checks.ChartOptionError` when an option cannot apply to the series."""
    if options is None:
        options = ChartOptions(**overrides)
    elif overrides:
        options = options.model_copy(update=overrides)
        options = ChartOptions.model_validate(options.model_dump())
    series = points if isinstance(points, Series) else Series.from_points(points)
    check_options(series.periods, options)
    a = analyse(series, options)
    return chart_from_analysis(a, options)
