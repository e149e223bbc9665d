"""Chart computation: parts, baselines and exclusions, then the limits (`limits.py`) and the
signal rules (`rules.py`) of each part, read into the `Chart` answer.

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
from typing import Any

from pydantic import TypeAdapter

from .analysis import NO_RULE, RULE_PRIORITY, Analysis, PartStats, Series, signal_class
from .limits import fill_limits
from .models import (
    CHART_NAMES,
    Annotation,
    Assurance,
    Chart,
    ChartOptions,
    ChartPart,
    ChartPoint,
    ChartPointInput,
    ChartSummary,
    PointClass,
    Signal,
    SignalClass,
    Variation,
)
from .rules import mdc_rules, run_chart_rules

__all__ = ["Series", "analyse", "chart_from_analysis", "compute_chart", "signal_key"]

_ALIASES = {"i": "xmr"}
_POOLED = frozenset({"p", "pp", "u", "up"})


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
        point_rule=[NO_RULE] * size,
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
        fill_limits(a, part, base, options)
        if part.centre is None:
            continue
        idx = [i for i in range(part.start, part.end) if used[i]]
        if is_run:
            occurrences.extend(run_chart_rules(idx, a, part, options.run_rules, eps))
        else:
            occurrences.extend(mdc_rules(idx, a, part, options.shift_trend_n, eps))

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
    if a.point_rule[i] == NO_RULE:
        return "common_cause"
    return signal_class(a.point_sign[i], a.direction)


def variation_icon(a: Analysis) -> Variation | None:
    """The variation icon is the class of the last point, high or low by its side or trend."""
    last = a.last_used
    if last is None or a.centre[last] is None:
        return None
    if a.point_rule[last] == NO_RULE:
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
            **p.figures,
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
    name = CHART_NAMES[a.chart_type]
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
