"""What the billing service does with incoming events: event class → handler.

Each handler runs in the inbox runner's transaction (the event id is recorded with the effects,
so a redelivery has no second effect); the service adds business keys as a second line (one
invoice per team, one credit note per invoice and reason) and copes with events out of order.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing import service
from services.billing.settings import BillingSettings
from shared.events.enrolment import CohortCancelled, TeamConfirmed, TeamWithdrawn
from shared.handlers import EventHandlers, HandlerContext

Context = HandlerContext[BillingSettings]


async def on_team_confirmed(
    session: AsyncSession, *, event: TeamConfirmed, context: Context
) -> None:
    await service.on_team_confirmed(session, settings=context.settings, event=event)


async def on_team_withdrawn(
    session: AsyncSession, *, event: TeamWithdrawn, context: Context
) -> None:
    await service.on_team_withdrawn(session, settings=context.settings, event=event)


async def on_cohort_cancelled(
    session: AsyncSession, *, event: CohortCancelled, context: Context
) -> None:
    await service.on_cohort_cancelled(session, settings=context.settings, event=event)


HANDLERS = EventHandlers[BillingSettings]()
HANDLERS.add(TeamConfirmed, on_team_confirmed)
HANDLERS.add(TeamWithdrawn, on_team_withdrawn)
HANDLERS.add(CohortCancelled, on_cohort_cancelled)
