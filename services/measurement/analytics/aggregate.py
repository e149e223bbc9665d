"""The collaborative view: one chart pooled across teams, its summary, and new-signal detection."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from .analysis import Series
from .batch import build_grid, pool_grid, team_rows
from .checks import check_options
from .engine import analyse
from .models import (
    Chart,
    ChartOptions,
    ChartPointInput,
    CollaborativeChart,
    CollaborativeSummary,
    Signal,
    SignalClass,
    TeamRow,
)
from .reading import (
    assurance,
    chart_from_analysis,
    engine_target,
    scaler,
    signal_classes,
    variation_icon,
)

TeamSeries = Series | Sequence[ChartPointInput | Mapping[str, Any]]

_POOLED = frozenset({"p", "pp", "u", "up"})


def _as_series(series: TeamSeries) -> Series:
    return series if isinstance(series, Series) else Series.from_points(series)


def pool_series(teams: Iterable[Series], chart_type: str) -> Series:
    """One series for the collaborative, period by period over every period any team reported.

    Proportions and rates (p, p', u, u'): numerators and denominators summed across teams, and
    their n (responses) too. Counts (c): counts summed. Scores (run, XmR): the mean weighted by
    each team's n (1 when absent).
    """
    team_list = list(teams)
    periods = sorted({p for s in team_list for p in s.periods})
    position = {p: k for k, p in enumerate(periods)}
    size = len(periods)
    totals = [0.0] * size
    weights = [0.0] * size
    seen = [False] * size
    if chart_type in _POOLED:
        counts = [0.0] * size
        counted = [False] * size
        for s in team_list:
            nums = s.numerators or [None] * len(s.periods)
            dens = s.denominators or [None] * len(s.periods)
            vals = s.values or [None] * len(s.periods)
            ns = s.ns or [None] * len(s.periods)
            for period, num, den, val, n in zip(s.periods, nums, dens, vals, ns, strict=True):
                if den is None or den <= 0:
                    continue
                if num is None:
                    if val is None:
                        continue
                    num = float(val) * float(den)
                k = position[period]
                totals[k] += float(num)
                weights[k] += float(den)
                seen[k] = True
                if n is not None:
                    counts[k] += float(n)
                    counted[k] = True
        return Series(
            periods=periods,
            numerators=[t if ok else None for t, ok in zip(totals, seen, strict=True)],
            denominators=[w if ok else None for w, ok in zip(weights, seen, strict=True)],
            ns=[c if ok else None for c, ok in zip(counts, counted, strict=True)],
        )
    for s in team_list:
        vals = s.values or [None] * len(s.periods)
        nums = s.numerators or [None] * len(s.periods)
        dens = s.denominators or [None] * len(s.periods)
        ns = s.ns or [None] * len(s.periods)
        for period, val, num, den, n in zip(s.periods, vals, nums, dens, ns, strict=True):
            if val is None:
                if chart_type == "c":
                    val = num
                elif num is not None and den:
                    val = float(num) / float(den)
                if val is None:
                    continue
            k = position[period]
            if chart_type == "c":
                totals[k] += float(val)
                weights[k] += 1.0
            else:
                w = 1.0 if n is None else float(n)
                if w <= 0:
                    continue
                totals[k] += w * float(val)
                weights[k] += w
            seen[k] = True
    if chart_type == "c":
        return Series(
            periods=periods,
            values=[t if ok else None for t, ok in zip(totals, seen, strict=True)],
            ns=[w if ok else None for w, ok in zip(weights, seen, strict=True)],
        )
    return Series(
        periods=periods,
        values=[t / w if ok else None for t, w, ok in zip(totals, weights, seen, strict=True)],
        ns=[w if ok else None for w, ok in zip(weights, seen, strict=True)],
    )


def _as_periods(periods: Sequence[str], items: Sequence[int | str]) -> list[int | str]:
    """Indices into the collaborative's periods as period labels (out-of-range ones dropped)."""
    return [
        periods[i] if isinstance(i, int) else i
        for i in items
        if not isinstance(i, int) or 0 <= i < len(periods)
    ]


def team_options(options: ChartOptions, periods: Sequence[str]) -> ChartOptions:
    """The aggregate's baselines, parts and exclusions restated as periods for each team.

    Positions given as indices refer to the collaborative's periods; a team with a gap would
    otherwise split at a different date.
    """
    freeze = options.freeze
    if isinstance(freeze, int) and periods:
        freeze = periods[min(freeze, len(periods)) - 1]
    return options.model_copy(
        update={
            "freeze": freeze,
            "part_starts": _as_periods(periods, options.part_starts),
            "exclude": _as_periods(periods, options.exclude),
            "annotations": {},
        }
    )


def _team_row(team: str, series: Series, options: ChartOptions) -> TeamRow:
    a = analyse(series, options)
    classes = signal_classes(a)
    last = a.last_used
    return TeamRow(
        team=team,
        n_points=len(series.periods),
        latest_period=None if last is None else a.periods[last],
        latest_value=None if last is None else a.values[last],
        centre=None if last is None else a.centre[last],
        variation=variation_icon(a),
        assurance=assurance(a, engine_target(options)),
        improvement="improvement" in classes,
        concern="concern" in classes,
        neutral="neutral" in classes,
    )


def aggregate_chart(
    teams: Mapping[str, TeamSeries],
    options: ChartOptions | None = None,
    *,
    batched: bool = True,
    **overrides: Any,
) -> CollaborativeChart:
    """The collaborative chart for a measure plus the per-team summary.

    Each team's own chart uses the same chart type, rules and (period-based) baselines. The
    team table of control charts is computed for all teams at once (`batch.team_rows`);
    `batched=False` computes it team by team with the engine (the same answer, slower).
    """
    if options is None:
        options = ChartOptions(**overrides)
    elif overrides:
        options = ChartOptions.model_validate({**options.model_dump(), **overrides})
    kind = "xmr" if options.chart_type == "i" else options.chart_type
    team_series = {team: _as_series(s) for team, s in teams.items()}
    names = list(team_series)
    series_list = list(team_series.values())
    grid = build_grid(series_list) if batched else None
    pooled = pool_series(series_list, kind) if grid is None else pool_grid(grid, kind)
    check_options(pooled.periods, options)
    aggregate = analyse(pooled, options)
    chart = chart_from_analysis(aggregate, options)

    per_team = team_options(options, pooled.periods)
    rows = None if grid is None else team_rows(names, series_list, per_team, grid)
    if rows is None:
        rows = [_team_row(team, s, per_team) for team, s in zip(names, series_list, strict=True)]
    scale = scaler(options.percent)
    if options.percent:
        rows = [
            row.model_copy(
                update={"latest_value": scale(row.latest_value), "centre": scale(row.centre)}
            )
            for row in rows
        ]
    improving = sum(row.improvement for row in rows)
    concerning = sum(row.concern for row in rows)
    quiet = sum(not (row.improvement or row.concern or row.neutral) for row in rows)
    neutral_only = sum(row.neutral and not (row.improvement or row.concern) for row in rows)

    baseline_centre = latest_centre = change = None
    parts = [p for p in aggregate.parts if p.end > p.start]
    if parts:
        baseline_centre = parts[0].centre
        latest_centre = parts[-1].centre
        if len(parts) > 1 and baseline_centre and latest_centre is not None:
            change = (latest_centre - baseline_centre) / abs(baseline_centre) * 100.0
        baseline_centre, latest_centre = scale(baseline_centre), scale(latest_centre)
    summary = CollaborativeSummary(
        baseline_centre=baseline_centre,
        latest_centre=latest_centre,
        centre_change_pct=change,
        teams=len(team_series),
        teams_with_improvement=improving,
        teams_with_concern=concerning,
        teams_with_neutral_signal=neutral_only,
        teams_without_signal=quiet,
        team_rows=rows,
    )
    return CollaborativeChart(chart=chart, summary=summary)


def new_signals(
    previous_keys: Collection[str],
    chart: Chart,
    classes: Collection[SignalClass] = ("improvement", "concern"),
) -> list[Signal]:
    """Signals of `chart` whose key was not among the keys fired before (one entry per key).

    A signal's key is (rule, class, first period), so a shift that grows with new data stays
    the same signal, and recomputing the same data gives no new signal.
    """
    seen = set(previous_keys)
    fresh: list[Signal] = []
    for signal in chart.signals:
        if signal.signal_class not in classes or signal.key in seen:
            continue
        seen.add(signal.key)
        fresh.append(signal)
    return fresh


def fired_keys(chart: Chart) -> set[str]:
    """The keys to remember after recording a chart's signals."""
    return {signal.key for signal in chart.signals}
