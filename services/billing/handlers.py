"""What the billing service does with incoming events: subject → handler."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing import service
from shared.events import Envelope
from shared.events.enrolment import TeamConfirmed
from shared.inbox import Handler


async def on_team_confirmed(
    session: AsyncSession, event: TeamConfirmed, _envelope: Envelope
) -> None:
    await service.invoice_confirmed_team(session, event=event)


HANDLERS: dict[str, Handler] = {
    TeamConfirmed.subject: on_team_confirmed,
}
