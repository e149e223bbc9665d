"""What the measurement service does with incoming events: subject → handler.

Each handler runs in the inbox runner's transaction, so a redelivered event has no second effect.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement import service
from shared.events import Envelope
from shared.events.enrolment import CoachAllocated, TeamConfirmed, TeamWithdrawn
from shared.events.measurement import BatchAccepted
from shared.inbox import Handler


async def on_team_confirmed(session: AsyncSession, event: TeamConfirmed, _: Envelope) -> None:
    await service.team_confirmed(session, event=event)


async def on_team_withdrawn(session: AsyncSession, event: TeamWithdrawn, _: Envelope) -> None:
    await service.team_withdrawn(session, event=event)


async def on_coach_allocated(session: AsyncSession, event: CoachAllocated, _: Envelope) -> None:
    await service.coach_allocated(session, event=event)


async def on_batch_accepted(session: AsyncSession, event: BatchAccepted, _: Envelope) -> None:
    # The service's own event: signals are looked for right after a batch, off its hot path.
    await service.batch_accepted(session, event=event)


HANDLERS: dict[str, Handler] = {
    TeamConfirmed.subject: on_team_confirmed,
    TeamWithdrawn.subject: on_team_withdrawn,
    CoachAllocated.subject: on_coach_allocated,
    BatchAccepted.subject: on_batch_accepted,
}
