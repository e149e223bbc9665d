"""What the measurement service does with incoming events: event class → handler.

Each handler runs in the inbox runner's transaction, so a redelivered event has no second effect.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement import service
from services.measurement.settings import MeasurementSettings
from shared.events.enrolment import CoachAllocated, TeamConfirmed, TeamWithdrawn
from shared.events.measurement import BatchAccepted
from shared.handlers import EventHandlers, HandlerContext

Context = HandlerContext[MeasurementSettings]


async def on_team_confirmed(
    session: AsyncSession, *, event: TeamConfirmed, context: Context
) -> None:
    await service.team_confirmed(session, event=event)


async def on_team_withdrawn(
    session: AsyncSession, *, event: TeamWithdrawn, context: Context
) -> None:
    await service.team_withdrawn(session, event=event)


async def on_coach_allocated(
    session: AsyncSession, *, event: CoachAllocated, context: Context
) -> None:
    await service.coach_allocated(session, event=event)


async def on_batch_accepted(
    session: AsyncSession, *, event: BatchAccepted, context: Context
) -> None:
    # The service's own event: signals are looked for right after a batch, off its hot path.
    await service.batch_accepted(session, event=event)


HANDLERS = EventHandlers[MeasurementSettings]()
HANDLERS.add(TeamConfirmed, on_team_confirmed)
HANDLERS.add(TeamWithdrawn, on_team_withdrawn)
HANDLERS.add(CoachAllocated, on_coach_allocated)
HANDLERS.add(BatchAccepted, on_batch_accepted)
