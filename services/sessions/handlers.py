"""What the sessions service does with incoming events: event class → handler.

Each handler runs in the inbox's transaction, so a redelivered event has no second effect; the
use cases are also idempotent by business key (drafting a cohort twice creates nothing).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions import service
from services.sessions.settings import SessionsSettings
from shared.events.enrolment import (
    CoachAllocated,
    CohortCancelled,
    CohortConfirmed,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.handlers import EventHandlers, HandlerContext

Context = HandlerContext[SessionsSettings]


async def on_cohort_confirmed(
    session: AsyncSession, *, event: CohortConfirmed, context: Context
) -> None:
    await service.cohort_confirmed(session, event=event)


async def on_cohort_cancelled(
    session: AsyncSession, *, event: CohortCancelled, context: Context
) -> None:
    await service.cohort_cancelled(session, event=event)


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


HANDLERS = EventHandlers[SessionsSettings]()
HANDLERS.add(CohortConfirmed, on_cohort_confirmed)
HANDLERS.add(CohortCancelled, on_cohort_cancelled)
HANDLERS.add(TeamConfirmed, on_team_confirmed)
HANDLERS.add(TeamWithdrawn, on_team_withdrawn)
HANDLERS.add(CoachAllocated, on_coach_allocated)
