"""What the billing service does with incoming events: subject → handler.

Each handler runs in the inbox runner's transaction (the event id is recorded with the effects,
so a redelivery has no second effect); the service adds business keys as a second line (one
invoice per team, one credit note per invoice and reason) and copes with events out of order.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing import service
from services.billing.settings import get_settings
from shared.events import Envelope
from shared.events.enrolment import CohortCancelled, TeamConfirmed, TeamWithdrawn
from shared.inbox import Handler


async def on_team_confirmed(
    session: AsyncSession, event: TeamConfirmed, _envelope: Envelope
) -> None:
    await service.on_team_confirmed(session, settings=get_settings(), event=event)


async def on_team_withdrawn(
    session: AsyncSession, event: TeamWithdrawn, _envelope: Envelope
) -> None:
    await service.on_team_withdrawn(session, settings=get_settings(), event=event)


async def on_cohort_cancelled(
    session: AsyncSession, event: CohortCancelled, _envelope: Envelope
) -> None:
    await service.on_cohort_cancelled(session, settings=get_settings(), event=event)


HANDLERS: dict[str, Handler] = {
    TeamConfirmed.subject: on_team_confirmed,
    TeamWithdrawn.subject: on_team_withdrawn,
    CohortCancelled.subject: on_cohort_cancelled,
}
