"""What a chart request means for a measure (pure): the engine's options from the request's
choices and the measure's direction and target, the engine's input from series points (a period
without data between the first and the last is a gap), notes placed on their periods, and the
chart signals are watched on.

A choice that cannot mean anything for the chart asked for is refused with 422 naming the
parameter (`option_refused`), here when the chart type alone decides it, in the engine
(`ChartOptionError`) when the series does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.measurement.analytics import (
    Chart,
    ChartOptionError,
    ChartOptions,
    Series,
    compute_chart,
)
from services.measurement.analytics.adapters import DEFAULT_CHART_TYPE, series_from_points
from services.measurement.analytics.models import ChartType, RunRuleSet
from services.measurement.measures import MeasureDefinition
from services.measurement.periods import Period, period_start, periods_between
from shared.errors import Unprocessable

# Which series field a score measure is charted by.
SCORE_FIELD = {"swemwbs": "mean_metric", "net_promoter": "net_promoter", "sum": "mean_raw"}
# Chart types that need a numerator and a denominator, or plain values.
_FIT: dict[str, frozenset[str]] = {
    "score": frozenset({"run", "xmr", "i"}),
    "count": frozenset({"run", "xmr", "i", "c"}),
    "proportion": frozenset({"run", "xmr", "i", "p", "pp"}),
    "rate": frozenset({"run", "xmr", "i", "u", "up"}),
    "value": frozenset({"run", "xmr", "i"}),
}
# Chart types whose moving ranges may be screened (XmR, and Laney's z moving ranges).
_SCREENED = frozenset({"xmr", "i", "pp", "up"})
RECOMMENDED_BASELINE = 12


@dataclass(frozen=True)
class ChartRequest:
    """What a chart request asks for (query parameters), before it meets a measure.

    `first` and `last` are London dates (by default: five years up to today); `period` is the
    measure's own unless given (scores may be charted weekly or monthly). `freeze` is a number
    of points ("12") or the London date of the last baseline point; `parts` and `exclude` items
    are 0-based point indices ("12") or London dates ("2026-03-02"); a date stands for the period
    holding it. `rules` (run charts) and `n` (control charts) are None unless asked for, so a
    choice that does not apply can be refused rather than ignored.
    """

    first: date | None = None
    last: date | None = None
    period: Period | None = None
    chart_type: ChartType | None = None
    rules: RunRuleSet | None = None
    n: int | None = None
    freeze: str | None = None
    parts: Sequence[str] = ()
    exclude: Sequence[str] = ()
    screen: bool = False
    recommended_baseline: int = RECOMMENDED_BASELINE


def option_refused(parameter: str, message: str) -> Unprocessable:
    """422 naming the request parameter that cannot apply."""
    return Unprocessable(
        f"{parameter}: {message}", errors=[{"field": parameter, "message": message}]
    )


def engine_refusal(exc: ChartOptionError) -> Unprocessable:
    return option_refused(exc.parameter, exc.message)


def _position(item: str, period: Period, name: str) -> int | str:
    text = item.strip()
    if text.isdigit():
        return int(text)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise option_refused(name, f"{item!r} is neither a point index nor a date") from None
    return period_start(day, period).isoformat()


def chart_options(
    request: ChartRequest,
    definition: MeasureDefinition,
    *,
    period: Period,
    target: Decimal | None = None,
    annotations: Mapping[str, str] | None = None,
    suppress_below: int = 0,
) -> ChartOptions:
    """The engine's options: the request's choices, the measure's direction and target (in
    percent for a proportion, as its chart is answered), and the disclosure threshold."""
    chart_type = request.chart_type or DEFAULT_CHART_TYPE[definition.data_kind]
    if chart_type not in _FIT[definition.data_kind]:
        raise option_refused(
            "chart_type",
            f"a {chart_type} chart does not fit {definition.data_kind} data "
            f"(choose one of {', '.join(sorted(_FIT[definition.data_kind]))})",
        )
    run = chart_type == "run"
    if request.rules is not None and not run:
        raise option_refused(
            "rules", f"the run chart rules apply to run charts only (this is a {chart_type} chart)"
        )
    if request.n is not None and run:
        raise option_refused(
            "n", "the shift and trend length applies to control charts (run charts use rules)"
        )
    if request.screen and chart_type not in _SCREENED:
        raise option_refused(
            "screen",
            f"moving ranges are screened on XmR and Laney p'/u' charts only (this is a "
            f"{chart_type} chart)",
        )
    freeze: int | str | None = None
    if request.freeze is not None:
        freeze = _position(request.freeze, period, "freeze")
        if freeze == 0:
            raise option_refused("freeze", "the number of baseline points is at least 1")
    return ChartOptions(
        chart_type=chart_type,
        run_rules=request.rules or "anhoj",
        shift_trend_n=request.n or 6,
        direction=definition.direction,
        target=None if target is None else float(target),
        freeze=freeze,
        part_starts=[_position(p, period, "part") for p in request.parts],
        exclude=[_position(p, period, "exclude") for p in request.exclude],
        screen_moving_ranges=request.screen,
        recommended_baseline=request.recommended_baseline,
        percent=definition.data_kind == "proportion",
        suppress_below=suppress_below if definition.takes_responses else 0,
        annotations=dict(annotations or {}),
    )


def chart_series(points: Iterable[Any], definition: MeasureDefinition) -> Series:
    """Engine input from series points (objects or mappings) of a measure."""
    field = SCORE_FIELD.get(definition.scoring or "") if definition.data_kind == "score" else None
    return series_from_points(points, definition.data_kind, score_field=field)


def _start(point: Any) -> date:
    found: date = point["period_start"] if isinstance(point, dict) else point.period_start
    return found


def with_gaps(
    points: Sequence[Any], period: Period, *, span: tuple[date, date] | None = None
) -> list[Any]:
    """The points with an empty point for every period without data between the first and the
    last (or across ``span``, the first and last period starts of several teams' charts): a
    missing week stays on the chart as a gap instead of closing up."""
    if not points and span is None:
        return []
    first, last = span or (_start(points[0]), _start(points[-1]))
    held = {_start(point): point for point in points}
    return [
        held.get(start, {"period_start": start}) for start in periods_between(first, last, period)
    ]


def span_of(series: Iterable[Sequence[Any]]) -> tuple[date, date] | None:
    """The first and last period start across several series (None when all are empty)."""
    starts = [_start(point) for points in series for point in points[:1]]
    ends = [_start(point) for points in series for point in points[-1:]]
    return (min(starts), max(ends)) if starts else None


# --- notes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    day: date
    note: str


def annotations_by_period(
    rows: Iterable[Note], period: Period, first: date, last: date
) -> dict[str, str]:
    """Notes placed on the periods holding their days (several on one period are joined)."""
    notes: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if first <= row.day <= last:
            notes[period_start(row.day, period).isoformat()].append(row.note)
    return {label: "; ".join(texts) for label, texts in notes.items()}


# --- signals ------------------------------------------------------------------------------------


def signal_chart(points: Iterable[Any], definition: MeasureDefinition) -> Chart:
    """The chart signals are watched on: the measure's default chart, its direction, no baseline
    choices (a coach's freeze or parts are views; the event says what the data shows)."""
    options = ChartOptions(
        chart_type=DEFAULT_CHART_TYPE[definition.data_kind], direction=definition.direction
    )
    # The same series a team's chart shows: a missing period is a gap here too.
    return compute_chart(
        chart_series(with_gaps(list(points), definition.period), definition), options
    )
