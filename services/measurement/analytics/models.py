"""The shapes of the QI analytics engine: what a chart is asked for and the one answer it gives.

Every chart type (run, XmR, p, u, c, Laney p'/u') answers with the same `Chart` model, so the API,
the signal detector and the picture renderer never branch on the chart type to read it.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ChartType = Literal["run", "xmr", "i", "p", "u", "c", "pp", "up"]
# What each chart type (as analysed: "i" is an XmR) is called on a chart's summary and picture.
CHART_NAMES = {
    "run": "Run chart",
    "xmr": "XmR chart",
    "p": "p chart",
    "pp": "p' chart (Laney)",
    "u": "u chart",
    "up": "u' chart (Laney)",
    "c": "c chart",
}
RunRuleSet = Literal["anhoj", "ihi"]
Direction = Literal["increase", "decrease", "neutral"]
SignalClass = Literal["improvement", "concern", "neutral"]
PointClass = Literal["improvement", "concern", "neutral", "common_cause"]
Variation = Literal[
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
]
Assurance = Literal["consistently_passing", "consistently_failing", "hit_and_miss"]
RuleName = Literal[
    # Making Data Count rules on control charts
    "outside_limits",
    "trend",
    "two_of_three",
    "shift",
    # Anhøj rules on run charts (qicharts2)
    "anhoj_long_run",
    "anhoj_few_crossings",
    # IHI rules on run charts
    "ihi_trend",
    "ihi_shift",
    "ihi_too_few_runs",
    "ihi_too_many_runs",
]

PeriodLabel = str | date


def period_label(period: PeriodLabel) -> str:
    """Periods are carried as ISO strings so that labels sort in time order."""
    return period.isoformat() if isinstance(period, date) else str(period)


class ChartPointInput(BaseModel):
    """One period of a series: a value (scores, counts), or a numerator and a denominator."""

    model_config = ConfigDict(extra="forbid")

    period: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    # The number of responses behind a score (weights the collaborative mean); optional.
    n: float | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _period_as_label(cls, period: object) -> object:
        return period.isoformat() if isinstance(period, date) else period


class ChartOptions(BaseModel):
    """How to draw and analyse a chart.

    `freeze`: the baseline of the first part: an int k (the first k points, as qicharts2's
    `freeze`) or the period label of the last baseline point. `part_starts`: where new parts start
    (0-based index of a part's first point, which equals qicharts2's `part`, or a period label).
    `exclude`: indices or period labels of points left out of the centre and limits (they are
    still judged by the rules, as in qicharts2). Positions must fall on the chart
    (`checks.check_options`).

    `recommended_baseline`: limits are drawn from 2 baseline points on; a part whose baseline is
    shorter than this carries a warning. `percent`: a proportion measure's values, centre, limits
    (and the target, given in percent) are answered in percent. `suppress_below`: a period whose
    n (responses) is below this is withheld (a gap marked suppressed); 0 withholds nothing.
    """

    model_config = ConfigDict(extra="forbid")

    chart_type: ChartType = "run"
    run_rules: RunRuleSet = "anhoj"
    shift_trend_n: int = Field(default=6, ge=2, le=50)
    direction: Direction = "neutral"
    target: float | None = None
    freeze: int | str | None = None
    part_starts: list[int | str] = Field(default_factory=list)
    exclude: list[int | str] = Field(default_factory=list)
    screen_moving_ranges: bool = False
    recommended_baseline: int = Field(default=12, ge=2, le=100)
    percent: bool = False
    suppress_below: int = Field(default=0, ge=0, le=1000)
    annotations: dict[str, str] = Field(default_factory=dict)

    @field_validator("freeze")
    @classmethod
    def _freeze_positive(cls, freeze: int | str | None) -> int | str | None:
        if isinstance(freeze, int) and freeze < 1:
            raise ValueError("freeze is the number of baseline points (at least 1)")
        return freeze


class ChartPoint(BaseModel):
    index: int
    period: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    n: float | None = None
    # Left out of the centre and limits (still judged by the rules, as in qicharts2).
    excluded: bool = False
    # Judged by the rules: the period has a value.
    used: bool = True
    # Used to compute the centre and limits of its part (frozen baselines leave later points out,
    # and so does exclusion).
    baseline: bool = True
    # No data for the period: a gap (no moving range spans it).
    missing: bool = False
    # Withheld: built from fewer responses than the disclosure threshold (a gap too).
    suppressed: bool = False
    # XmR: |value - the previous period's value|; None after a gap.
    moving_range: float | None = None
    part: int = 0
    centre: float | None = None
    lower: float | None = None
    upper: float | None = None
    lower_2sigma: float | None = None
    upper_2sigma: float | None = None
    flags: list[RuleName] = Field(default_factory=list)
    # Class of the highest-priority rule that flagged the point; None for points not used.
    point_class: PointClass | None = None


class ChartPart(BaseModel):
    index: int
    start: int
    end: int  # inclusive index of the part's last point
    start_period: str
    end_period: str
    centre: float | None
    baseline_points: int  # points used to compute the centre and limits
    frozen: bool = False
    limits_shown: bool = False
    # The limits rest on fewer baseline points than recommended (treat them as provisional).
    short_baseline: bool = False
    # The runs analysis found a non-random pattern (a run too long, too few crossings, or too few
    # or many runs): the centre line is marked, as qicharts2 marks it.
    runs_signal: bool = False
    mean_moving_range: float | None = None  # XmR, after screening when asked
    sigma_z: float | None = None  # Laney p'/u'
    # Runs analysis (Anhøj on every chart; IHI runs on IHI run charts).
    useful_points: int | None = None
    longest_run: int | None = None
    longest_run_max: int | None = None
    crossings: int | None = None
    crossings_min: int | None = None
    runs: int | None = None
    runs_lower: int | None = None
    runs_upper: int | None = None


class Signal(BaseModel):
    rule: RuleName
    signal_class: SignalClass
    part: int
    points: list[int]
    periods: list[str]
    key: str


class Annotation(BaseModel):
    period: str
    note: str
    index: int | None = None


class ChartSummary(BaseModel):
    n_points: int
    n_used: int
    latest_period: str | None
    latest_value: float | None
    latest_centre: float | None
    latest_lower: float | None
    latest_upper: float | None
    improvement_signals: int
    concern_signals: int
    neutral_signals: int
    text: str


class Chart(BaseModel):
    chart_type: ChartType
    rule_set: Literal["anhoj", "ihi", "making_data_count"]
    direction: Direction
    target: float | None
    shift_trend_n: int
    limits_shown: bool
    # Values, centre, limits and target in percent (proportion measures), else in the unit.
    percent: bool = False
    recommended_baseline: int = 12
    suppress_below: int = 0
    suppressed_periods: list[str] = Field(default_factory=list)
    # What a reader should know before trusting the limits (short baselines).
    warnings: list[str] = Field(default_factory=list)
    points: list[ChartPoint]
    parts: list[ChartPart]
    signals: list[Signal]
    variation: Variation | None
    assurance: Assurance | None
    annotations: list[Annotation]
    summary: ChartSummary


class TeamRow(BaseModel):
    team: str
    n_points: int
    latest_period: str | None
    latest_value: float | None
    centre: float | None
    variation: Variation | None
    assurance: Assurance | None
    improvement: bool
    concern: bool
    neutral: bool


class CentreChange(BaseModel):
    """How the collaborative's centre line moved from the first part to the last."""

    baseline_centre: float | None
    latest_centre: float | None
    # (latest - baseline) / baseline x 100; None with a single part or a zero baseline.
    centre_change_pct: float | None


class CollaborativeSummary(CentreChange):
    teams: int
    teams_with_improvement: int
    teams_with_concern: int
    teams_with_neutral_signal: int
    teams_without_signal: int
    team_rows: list[TeamRow]


class CollaborativeChart(BaseModel):
    chart: Chart
    summary: CollaborativeSummary
