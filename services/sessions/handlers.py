"""What the sessions service does with incoming events: subject → handler.

Each handler runs in the inbox's transaction, so a redelivered event has no second effect; the
use cases are also idempotent by business key (drafting a cohort twice creates nothing).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions import service
from shared.events import Envelope
from shared.events.enrolment import (
    CoachAllocated,
    CohortCancelled,
    CohortConfirmed,
    TeamConfirmed,
    TeamWithdrawn,
)
from shared.inbox import Handler


async def on_cohort_confirmed(session: AsyncSession, event: Any, envelope: Envelope) -> None:
    assert isinstance(event, CohortConfirmed)
    await service.cohort_confirmed(session, event=event)


async def on_cohort_cancelled(session: AsyncSession, event: Any, envelope: Envelope) -> None:
    assert isinstance(event, CohortCancelled)
    await service.cohort_cancelled(session, event=event)


async def on_team_confirmed(session: AsyncSession, event: Any, envelope: Envelope) -> None:
    assert isinstance(event, TeamConfirmed)
    await service.team_confirmed(session, event=event)


async def on_team_withdrawn(session: AsyncSession, event: Any, envelope: Envelope) -> None:
    assert isinstance(event, TeamWithdrawn)
    await service.team_withdrawn(session, event=event)


async def on_coach_allocated(session: AsyncSession, event: Any, envelope: Envelope) -> None:
    assert isinstance(event, CoachAllocated)
    await service.coach_allocated(session, event=event)


HANDLERS: dict[str, Handler] = {
    CohortConfirmed.subject: on_cohort_confirmed,
    CohortCancelled.subject: on_cohort_cancelled,
    TeamConfirmed.subject: on_team_confirmed,
    TeamWithdrawn.subject: on_team_withdrawn,
    CoachAllocated.subject: on_coach_allocated,
}
