"""Reading an analysis (`analysis.Analysis`) into the `Chart` answer: point classes, the Making
Data Count variation and assurance icons, signals with their stable keys, the summary and the
warnings; values in percent for proportion measures."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import TypeAdapter

from .analysis import NO_RULE, RULE_PRIORITY, Analysis, signal_class
from .models import (
    CHART_NAMES,
    Annotation,
    Assurance,
    Chart,
    ChartOptions,
    ChartPart,
    ChartPoint,
    ChartSummary,
    PointClass,
    Signal,
    SignalClass,
    Variation,
)

Scale = Callable[[float | None], float | None]


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


def engine_target(options: ChartOptions) -> float | None:
    """The target on the engine's scale (a percent target of a proportion measure as 0-1)."""
    if options.target is None:
        return None
    return options.target / 100.0 if options.percent else options.target


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


def scaler(percent: bool) -> Scale:
    """Engine values as answered: proportions in percent (rounded off float noise), else as is."""
    if not percent:
        return lambda x: x
    return lambda x: None if x is None else round(x * 100.0, 10)


def _fmt(x: float | None, unit: str) -> str:
    return "-" if x is None else f"{x:.4g}{unit}"


_POINTS: TypeAdapter[list[ChartPoint]] = TypeAdapter(list[ChartPoint])


def _scaled(column: list[float | None], percent: bool) -> list[float | None]:
    if not percent:
        return column
    return [None if x is None else round(x * 100.0, 10) for x in column]


def _point_rows(a: Analysis, percent: bool) -> list[dict[str, object]]:
    """Each point as a plain dict (columns scaled once; the hot part of a chart answer)."""
    size = len(a.periods)
    values, flags, suppressed = a.values, a.flags, a.suppressed
    moving: list[float | None] = [None] * size
    if a.chart_type == "xmr":
        for i in range(1, size):
            value, previous = values[i], values[i - 1]
            if value is not None and previous is not None:
                moving[i] = abs(value - previous)
    shown, centre, lower, upper, lower2, upper2, moving = (
        _scaled(column, percent)
        for column in (values, a.centre, a.lower, a.upper, a.lower2, a.upper2, moving)
    )
    order = RULE_PRIORITY.__getitem__
    return [
        {
            "index": i,
            "period": a.periods[i],
            "value": shown[i],
            "numerator": a.numerators[i],
            "denominator": a.denominators[i],
            "n": a.ns[i],
            "excluded": a.excluded[i],
            "used": a.used[i],
            "baseline": a.baseline[i],
            "missing": values[i] is None and not suppressed[i],
            "suppressed": suppressed[i],
            "moving_range": moving[i],
            "part": a.part_of[i],
            "centre": centre[i],
            "lower": lower[i],
            "upper": upper[i],
            "lower_2sigma": lower2[i],
            "upper_2sigma": upper2[i],
            "flags": sorted(flags[i], key=order) if i in flags else [],
            "point_class": point_class(a, i),
        }
        for i in range(size)
    ]


def _parts(a: Analysis, scale: Scale) -> list[ChartPart]:
    parts = []
    for p in a.parts:
        if p.end <= p.start:
            continue
        figures = dict(p.figures)
        if "mean_moving_range" in figures:
            figures["mean_moving_range"] = scale(figures["mean_moving_range"])
        parts.append(
            ChartPart(
                index=p.index,
                start=p.start,
                end=p.end - 1,
                start_period=a.periods[p.start],
                end_period=a.periods[p.end - 1],
                centre=scale(p.centre),
                baseline_points=p.baseline_points,
                frozen=p.frozen,
                limits_shown=p.limits_shown,
                short_baseline=p.short_baseline,
                runs_signal=p.runs_signal,
                **figures,
            )
        )
    return parts


def _warnings(parts: list[ChartPart], recommended: int) -> list[str]:
    several = len(parts) > 1
    return [
        (f"Part {part.index + 1}: " if several else "")
        + f"the limits rest on a baseline of {part.baseline_points} points, fewer than the "
        f"{recommended} recommended: treat them as provisional."
        for part in parts
        if part.short_baseline
    ]


def chart_from_analysis(a: Analysis, options: ChartOptions) -> Chart:
    size = len(a.periods)
    scale = scaler(options.percent)
    # Plain dicts validated in one call: several times faster than one model per point.
    chart_points = _POINTS.validate_python(_point_rows(a, options.percent))
    parts = _parts(a, scale)
    signals = signals_of(a)
    index_of = {p: i for i, p in enumerate(a.periods)}
    annotations = [
        Annotation(period=period, note=note, index=index_of.get(period))
        for period, note in sorted(options.annotations.items())
    ]
    variation = variation_icon(a)
    assured = assurance(a, engine_target(options))
    last = a.last_used
    counts = {"improvement": 0, "concern": 0, "neutral": 0}
    for s in signals:
        counts[s.signal_class] += 1
    unit = "%" if options.percent else ""
    name = CHART_NAMES[a.chart_type]
    text = f"{name} of {size} points"
    if last is not None:
        text += (
            f"; latest {a.periods[last]} = {_fmt(scale(a.values[last]), unit)}, "
            f"centre {_fmt(scale(a.centre[last]), unit)}"
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
        latest_value=None if last is None else scale(a.values[last]),
        latest_centre=None if last is None else scale(a.centre[last]),
        latest_lower=None if last is None else scale(a.lower[last]),
        latest_upper=None if last is None else scale(a.upper[last]),
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
        percent=options.percent,
        recommended_baseline=options.recommended_baseline,
        suppress_below=options.suppress_below,
        suppressed_periods=[p for p, s in zip(a.periods, a.suppressed, strict=True) if s],
        warnings=_warnings(parts, options.recommended_baseline),
        points=chart_points,
        parts=parts,
        signals=signals,
        variation=variation,
        assurance=assured,
        annotations=annotations,
        summary=summary,
    )
