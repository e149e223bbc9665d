"""What the improvement service learns from measurement: the measures of each cohort's plan, and
which teams' data has started arriving for them (counts only; the data stays in measurement)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement import store
from services.improvement.models import BaselineData, PlanMeasure
from services.improvement.settings import ImprovementSettings
from services.improvement.store import programme as programme_store
from shared.events.measurement import BatchAccepted, PlanMeasureAdded, PlanMeasureRemoved
from shared.handlers import HandlerContext

Context = HandlerContext[ImprovementSettings]


async def plan_measure_added(
    session: AsyncSession, *, event: PlanMeasureAdded, context: Context
) -> None:
    measure = await programme_store.plan_measure(
        session, event.cohort_id, event.measure_key, lock=True
    ) or PlanMeasure(cohort_id=event.cohort_id, measure_key=event.measure_key)
    measure.name = event.name
    measure.kind = event.kind
    measure.frequency = event.frequency
    measure.in_plan = True
    await store.save(session, measure)


async def plan_measure_removed(
    session: AsyncSession, *, event: PlanMeasureRemoved, context: Context
) -> None:
    measure = await programme_store.plan_measure(
        session, event.cohort_id, event.measure_key, lock=True
    )
    if measure is not None:
        measure.in_plan = False
        await store.save(session, measure)


async def batch_accepted(session: AsyncSession, *, event: BatchAccepted, context: Context) -> None:
    """Count the new rows per team and measure (a batch already counted is not counted again)."""
    for count in event.counts:
        if count.new_rows <= 0:
            continue
        data = await programme_store.baseline(session, count.team_id, count.measure_key, lock=True)
        if data is None:
            await store.save(
                session,
                BaselineData(
                    team_id=count.team_id,
                    measure_key=count.measure_key,
                    rows=count.new_rows,
                    first_accepted_at=event.accepted_at,
                    last_batch_id=event.batch_id,
                ),
            )
        elif data.last_batch_id != event.batch_id:
            data.rows += count.new_rows
            data.last_batch_id = event.batch_id
            await store.save(session, data)
