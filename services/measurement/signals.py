"""Signals that new data made fire: after each batch, `measurement.signal.detected` for every
improvement or concern signal on a (team, measure) the batch added rows to, recorded once.

A follow-up step, run by the inbox on the service's own `measurement.batch.accepted`: that event
is written in the batch's transaction, so the step is as certain as the batch, yet the batch does
not wait for a whole-history series read and chart per team it touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.analytics import new_signals
from services.measurement.chart_options import signal_chart
from services.measurement.measures import MeasureDefinition
from services.measurement.settings import MeasurementSettings
from services.measurement.store import plan as plan_store
from services.measurement.store import series as series_store
from services.measurement.store import signals as store
from shared.events.measurement import BatchAccepted, SignalDetected
from shared.handlers import HandlerContext
from shared.outbox import record_event

# Signal detection looks at a team's whole history of a measure.
ALL_FROM = date(1970, 1, 1)
ALL_TO = date(2999, 12, 31)


async def batch_accepted(
    session: AsyncSession,
    *,
    event: BatchAccepted,
    context: HandlerContext[MeasurementSettings],
) -> None:
    """Look for new signals on the (team, measure) pairs the batch added rows to."""
    pairs = [(count.team_id, count.measure_key) for count in event.counts if count.new_rows]
    if not pairs:
        return
    definitions = await plan_store.current_definitions(session, {key for _, key in pairs})
    cohorts = await plan_store.cohorts_of_teams(session, {team for team, _ in pairs})
    touched = [
        (team_id, definitions[key], cohorts[team_id])
        for team_id, key in pairs
        if key in definitions and team_id in cohorts
    ]
    await record_new_signals(session, touched=touched, now=context.clock.now())


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
        points = await series_store.team_points(
            session,
            team_ids=team_ids,
            definition=definition,
            first=ALL_FROM,
            last=ALL_TO,
            period=definition.period,
        )
        remembered = await store.remembered(session, team_ids=team_ids, measure_key=key)
        for team_id in team_ids:
            chart = signal_chart(points[team_id], definition)
            for signal in new_signals(remembered[team_id], chart):
                if signal.signal_class == "neutral":  # new_signals keeps only the two classes
                    continue
                if not await store.claim(
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
