"""From stored series to charts: chart options from a request and a measure, the series of many
teams in one grouped query (the collaborative and signal detection), annotations, and recording
`measurement.signal.detected` for signals that new data made fire.

The pure computation is `services.measurement.analytics`; this module only reads and writes the
service's tables around it. It never commits (the caller owns the transaction).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement import rollup
from services.measurement.analytics import (
    Chart,
    ChartOptions,
    compute_chart,
    new_signals,
)
from services.measurement.analytics.adapters import DEFAULT_CHART_TYPE, series_from_points
from services.measurement.analytics.engine import Series
from services.measurement.analytics.models import ChartType, RunRuleSet
from services.measurement.models import (
    ChartAnnotation,
    FiredSignal,
    MeasureValue,
)
from services.measurement.periods import Period, period_start
from services.measurement.plan import MeasureDefinition
from shared.errors import Unprocessable
from shared.events.measurement import SignalDetected
from shared.outbox import record_event

# Signal detection looks at a team's whole history of a measure.
ALL_FROM = date(1970, 1, 1)
ALL_TO = date(2999, 12, 31)

# Which series field a score measure is charted by.
SCORE_FIELD = {"swemwbs": "mean_metric", "net_promoter": "net_promoter", "sum": "mean_raw"}
# Chart types that need a numerator and a denominator, or plain values.
_POOLED: frozenset[str] = frozenset({"p", "pp", "u", "up"})
_FIT: dict[str, frozenset[str]] = {
    "score": frozenset({"run", "xmr", "i"}),
    "count": frozenset({"run", "xmr", "i", "c"}),
    "proportion": frozenset({"run", "xmr", "i", "p", "pp"}),
    "rate": frozenset({"run", "xmr", "i", "u", "up"}),
}


@dataclass(frozen=True)
class ChartRequest:
    """What a chart request asks for (query parameters), before it meets a measure.

    `freeze`, `parts` and `exclude` items are 0-based point indices ("12") or London dates
    ("2026-03-02"); a date stands for the period holding it.
    """

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


# --- the series of many teams -------------------------------------------------------------------


async def team_points(
    session: AsyncSession,
    *,
    team_ids: Sequence[uuid.UUID],
    definition: MeasureDefinition,
    first: date,
    last: date,
    period: Period,
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each team's period values for [first, last] (London dates), in one grouped query.

    The same sums and rounding as the single-team series read (``service.series``).
    """
    out: dict[uuid.UUID, list[dict[str, Any]]] = {team: [] for team in team_ids}
    if not team_ids:
        return out
    ids = list(team_ids)
    if definition.takes_responses:
        return await rollup.response_points(
            session,
            team_ids=ids,
            measure_key=definition.key,
            net_promoter=definition.scoring == "net_promoter",
            first=first,
            last=last,
            period=period,
        )
    v = MeasureValue
    value_rows = await session.execute(
        select(
            v.team_id,
            v.period_start,
            func.count().label("n"),
            func.sum(v.numerator).label("numerator"),
            func.sum(v.denominator).label("denominator"),
            func.sum(v.value).label("value"),
        )
        .where(
            v.team_id.in_(ids),
            v.measure_key == definition.key,
            v.period_start >= first,
            v.period_start <= last,
        )
        .group_by(v.team_id, v.period_start)
        .order_by(v.team_id, v.period_start)
    )
    for row in value_rows:
        out[row.team_id].append(
            {
                "period_start": _as_date(row.period_start),
                "n": int(row.n),
                "numerator": row.numerator,
                "denominator": row.denominator,
                "value": row.value,
            }
        )
    return out


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- annotations --------------------------------------------------------------------------------


async def annotation_rows(
    session: AsyncSession, *, team_id: uuid.UUID, measure_key: str
) -> list[ChartAnnotation]:
    return list(
        (
            await session.execute(
                select(ChartAnnotation)
                .where(
                    ChartAnnotation.team_id == team_id,
                    ChartAnnotation.measure_key == measure_key,
                )
                .order_by(ChartAnnotation.day, ChartAnnotation.created_at)
            )
        ).scalars()
    )


@dataclass(frozen=True)
class Note:
    day: date
    note: str


async def notes(session: AsyncSession, *, team_id: uuid.UUID, measure_key: str) -> list[Note]:
    """The notes on a team's measure, oldest day first."""
    rows = await session.execute(
        select(ChartAnnotation.day, ChartAnnotation.note)
        .where(ChartAnnotation.team_id == team_id, ChartAnnotation.measure_key == measure_key)
        .order_by(ChartAnnotation.day, ChartAnnotation.created_at)
    )
    return [Note(day, note) for day, note in rows]


def annotations_by_period(
    rows: Iterable[Note | ChartAnnotation], period: Period, first: date, last: date
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


async def _claim(
    session: AsyncSession, *, team_id: uuid.UUID, measure_key: str, key: str, now: datetime
) -> bool:
    """Remember a fired signal; False when it was already remembered (by anyone, even by a
    concurrent batch still in flight: the primary key makes that one wait, then skip)."""
    values = {"team_id": team_id, "measure_key": measure_key, "signal_key": key, "fired_at": now}
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(FiredSignal).values(**values).on_conflict_do_nothing().returning(FiredSignal.team_id)
    )
    return (await session.execute(statement)).first() is not None


async def record_new_signals(
    session: AsyncSession,
    *,
    touched: Iterable[tuple[uuid.UUID, MeasureDefinition, uuid.UUID | None]],
    now: datetime,
) -> int:
    """Record `measurement.signal.detected` for each improvement or concern signal that fires now
    on a touched (team, measure) and was never recorded before. Returns how many were recorded.

    One grouped series query and one read of the remembered keys per measure, then the engine per
    team; only (team, measure) pairs that got new rows are passed in.
    """
    by_measure: dict[str, tuple[MeasureDefinition, dict[uuid.UUID, uuid.UUID | None]]] = {}
    for team_id, definition, cohort_id in touched:
        by_measure.setdefault(definition.key, (definition, {}))[1][team_id] = cohort_id
    recorded = 0
    for key, (definition, teams) in sorted(by_measure.items()):
        team_ids = sorted(teams)
        points = await team_points(
            session,
            team_ids=team_ids,
            definition=definition,
            first=ALL_FROM,
            last=ALL_TO,
            period=definition.period,
        )
        remembered: dict[uuid.UUID, set[str]] = defaultdict(set)
        for team_id, signal_key in await session.execute(
            select(FiredSignal.team_id, FiredSignal.signal_key).where(
                FiredSignal.team_id.in_(team_ids), FiredSignal.measure_key == key
            )
        ):
            remembered[team_id].add(signal_key)
        for team_id in team_ids:
            chart = signal_chart(points[team_id], definition)
            for signal in new_signals(remembered[team_id], chart):
                if signal.signal_class == "neutral":  # new_signals keeps only the two classes
                    continue
                if not await _claim(
                    session, team_id=team_id, measure_key=key, key=signal.key, now=now
                ):
                    continue
                await record_event(
                    session,
                    SignalDetected(
                        team_id=team_id,
                        measure_key=key,
                        rule=signal.rule,
                        signal_class=signal.signal_class,
                        periods=[date.fromisoformat(p) for p in signal.periods],
                        cohort_id=teams[team_id],
                        detected_at=now,
                    ),
                    subject=str(team_id),
                )
                recorded += 1
    return recorded
