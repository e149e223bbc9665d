"""What a chart request means for a measure (pure): the engine's options from the request's
choices and the measure's direction and target, the engine's input from series points, notes
placed on their periods, and the chart signals are watched on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.measurement.analytics import Chart, ChartOptions, Series, compute_chart
from services.measurement.analytics.adapters import DEFAULT_CHART_TYPE, series_from_points
from services.measurement.analytics.models import ChartType, RunRuleSet
from services.measurement.measures import MeasureDefinition
from services.measurement.periods import Period, period_start
from shared.errors import Unprocessable

# Which series field a score measure is charted by.
SCORE_FIELD = {"swemwbs": "mean_metric", "net_promoter": "net_promoter", "sum": "mean_raw"}
# Chart types that need a numerator and a denominator, or plain values.
_FIT: dict[str, frozenset[str]] = {
    "score": frozenset({"run", "xmr", "i"}),
    "count": frozenset({"run", "xmr", "i", "c"}),
    "proportion": frozenset({"run", "xmr", "i", "p", "pp"}),
    "rate": frozenset({"run", "xmr", "i", "u", "up"}),
}


@dataclass(frozen=True)
class ChartRequest:
    """What a chart request asks for (query parameters), before it meets a measure.

    `first` and `last` are London dates (by default: five years up to today); `period` is the
    measure's own unless given (scores may be charted weekly or monthly). `freeze`, `parts` and
    `exclude` items are 0-based point indices ("12") or London dates ("2026-03-02"); a date stands
    for the period holding it.
    """

    first: date | None = None
    last: date | None = None
    period: Period | None = None
    chart_type: ChartType | None = None
    rules: RunRuleSet = "anhoj"
    n: int = 6
    freeze: str | None = None
    parts: Sequence[str] = ()
    exclude: Sequence[str] = ()
    screen: bool = False


def _position(item: str, period: Period, name: str) -> int | str:
    text = item.strip()
    if text.isdigit():
        return int(text)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Unprocessable(f"{name}: {item!r} is neither a point index nor a date") from None
    return period_start(day, period).isoformat()


def chart_options(
    request: ChartRequest,
    definition: MeasureDefinition,
    *,
    period: Period,
    target: Decimal | None = None,
    annotations: Mapping[str, str] | None = None,
) -> ChartOptions:
    """The engine's options: the request's choices, the measure's direction and target."""
    chart_type = request.chart_type or DEFAULT_CHART_TYPE[definition.data_kind]
    if chart_type not in _FIT[definition.data_kind]:
        raise Unprocessable(
            f"a {chart_type} chart does not fit {definition.data_kind} data "
            f"(choose one of {', '.join(sorted(_FIT[definition.data_kind]))})"
        )
    freeze: int | str | None = None
    if request.freeze is not None:
        freeze = _position(request.freeze, period, "freeze")
        if freeze == 0:
            raise Unprocessable("freeze is the number of baseline points (at least 1)")
    return ChartOptions(
        chart_type=chart_type,
        run_rules=request.rules,
        shift_trend_n=request.n,
        direction=definition.direction,
        target=None if target is None else float(target),
        freeze=freeze,
        part_starts=[_position(p, period, "part") for p in request.parts],
        exclude=[_position(p, period, "exclude") for p in request.exclude],
        screen_moving_ranges=request.screen,
        annotations=dict(annotations or {}),
    )


def chart_series(points: Iterable[Any], definition: MeasureDefinition) -> Series:
    """Engine input from series points (objects or mappings) of a measure."""
    field = SCORE_FIELD.get(definition.scoring or "") if definition.data_kind == "score" else None
    return series_from_points(points, definition.data_kind, score_field=field)


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
    return compute_chart(chart_series(points, definition), options)
