"""The collaborative's report of a measure (pure): the aggregate chart with the change of its
centre line from the baseline part to the latest part, and every team judged on its own chart.

Parts start at the report's breaks (period labels; by default where coaching starts). A team's
chart freezes its baseline (every period before the first break) and extends its centre and
limits forward, so a sustained change after the baseline shows as special cause; later breaks
start new parts. A team is judged on the signals that reach into the latest part (from the last
break): special-cause improvement, special-cause concern (a sustained deterioration), both, or
neither. A team with fewer than two baseline points (no limits to judge against) or no point in
the latest part has too little data, and is counted apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from .aggregate import aggregate_chart
from .analysis import Series
from .engine import compute_chart
from .limits import MIN_BASELINE
from .models import CentreChange, Chart, ChartOptions, Signal, Variation


class TeamVerdict(BaseModel):
    """One team's chart of a measure, as the report judges it."""

    team: str
    points: int  # periods with a value
    baseline_points: int
    latest_points: int
    too_little_data: bool
    reason: str | None  # why there is too little data
    improvement: bool  # special-cause improvement reaching into the latest part
    concern: bool  # special-cause concern (a sustained deterioration) there
    variation: Variation | None
    latest_period: str | None
    latest_value: float | None
    signals: list[Signal]  # the signals reaching into the latest part


class MeasureSummary(CentreChange):
    """The measure's headline figures across the cohort: the change from baseline, and the team
    verdicts in the latest part."""

    teams: int
    teams_with_improvement: int
    teams_with_concern: int
    teams_with_neither: int
    teams_with_too_little_data: int


class MeasureReport(BaseModel):
    chart: Chart  # the aggregate, parts at the breaks
    summary: MeasureSummary
    verdicts: list[TeamVerdict]
    team_charts: dict[str, Chart]  # the charts the verdicts were read from


def _within(periods: Sequence[str], breaks: Sequence[str]) -> list[str]:
    """The breaks that start a part of this series (after its first period, on or before its
    last)."""
    return [b for b in breaks if periods and periods[0] < b <= periods[-1]]


def _short(team: str, points: int, reason: str) -> TeamVerdict:
    return TeamVerdict(
        team=team,
        points=points,
        baseline_points=0,
        latest_points=0,
        too_little_data=True,
        reason=reason,
        improvement=False,
        concern=False,
        variation=None,
        latest_period=None,
        latest_value=None,
        signals=[],
    )


def judge_team(
    team: str, series: Series, options: ChartOptions, breaks: Sequence[str]
) -> tuple[TeamVerdict, Chart]:
    """The team's verdict, and the chart it was read from."""
    periods = list(series.periods)
    columns = [c for c in (series.values, series.numerators) if c is not None]
    held = [p for i, p in enumerate(periods) if any(c[i] is not None for c in columns)]
    points = len(held)
    first_break, last_break = breaks[0], breaks[-1]
    before = [period for period in periods if period < first_break]
    if not held or held[0] >= first_break:
        # Nothing to judge; the chart (parts at the breaks) is still shown and exported.
        plain = compute_chart(
            series, options.model_copy(update={"part_starts": _within(periods, breaks)})
        )
        reason = "no data" if not points else f"no data before {first_break} (no baseline)"
        return _short(team, points, reason), plain
    chart = compute_chart(
        series,
        options.model_copy(
            update={"freeze": before[-1], "part_starts": _within(periods, breaks[1:])}
        ),
    )
    baseline = chart.parts[0].baseline_points
    latest = [p for p in chart.points if p.period >= last_break and p.value is not None]
    if baseline < MIN_BASELINE:
        reason = f"{baseline} baseline point(s): no limits to judge against"
        return _short(team, points, reason), chart
    if not latest:
        return _short(team, points, f"no data since {last_break}"), chart
    reaching = [s for s in chart.signals if any(period >= last_break for period in s.periods)]
    return (
        TeamVerdict(
            team=team,
            points=sum(p.value is not None for p in chart.points),
            baseline_points=baseline,
            latest_points=len(latest),
            too_little_data=False,
            reason=None,
            improvement=any(s.signal_class == "improvement" for s in reaching),
            concern=any(s.signal_class == "concern" for s in reaching),
            variation=chart.variation,
            latest_period=chart.summary.latest_period,
            latest_value=chart.summary.latest_value,
            signals=reaching,
        ),
        chart,
    )


def measure_report(
    teams: Mapping[str, Series], options: ChartOptions, breaks: Sequence[str]
) -> MeasureReport:
    """The aggregate (parts at the breaks that fall on it) and every team's verdict.

    ``breaks`` are sorted period labels; ``options`` carry the chart type, direction, target,
    percent and disclosure threshold (positions in them are ignored)."""
    plain = options.model_copy(update={"freeze": None, "part_starts": [], "exclude": []})
    pooled_periods = sorted({p for s in teams.values() for p in s.periods})
    aggregate = aggregate_chart(
        teams, plain.model_copy(update={"part_starts": _within(pooled_periods, breaks)})
    )
    verdicts: list[TeamVerdict] = []
    charts: dict[str, Chart] = {}
    for team, series in teams.items():
        verdict, charts[team] = judge_team(team, series, plain, breaks)
        verdicts.append(verdict)
    judged = [v for v in verdicts if not v.too_little_data]
    collaborative = aggregate.summary
    summary = MeasureSummary(
        baseline_centre=collaborative.baseline_centre,
        latest_centre=collaborative.latest_centre,
        centre_change_pct=collaborative.centre_change_pct,
        teams=len(verdicts),
        teams_with_improvement=sum(v.improvement for v in judged),
        teams_with_concern=sum(v.concern for v in judged),
        teams_with_neither=sum(not (v.improvement or v.concern) for v in judged),
        teams_with_too_little_data=len(verdicts) - len(judged),
    )
    return MeasureReport(
        chart=aggregate.chart, summary=summary, verdicts=verdicts, team_charts=charts
    )


def teams_with(reports: Sequence[MeasureReport], flag: str) -> set[str]:
    """The teams with a verdict of ``improvement`` or ``concern`` on at least one measure."""
    return {v.team for report in reports for v in report.verdicts if getattr(v, flag)}
