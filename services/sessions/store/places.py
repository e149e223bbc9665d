"""Places at sessions and their waiting lists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.models import Place, ProgrammeSession


async def active_places(session: AsyncSession, session_id: uuid.UUID) -> list[Place]:
    """A session's registrations that are not released, in the order they were made."""
    return list(
        (
            await session.scalars(
                select(Place)
                .where(Place.session_id == session_id, Place.status != "released")
                .order_by(Place.queue_number)
            )
        ).all()
    )


async def last_queue_number(session: AsyncSession, session_id: uuid.UUID) -> int:
    number = await session.scalar(
        select(func.max(Place.queue_number)).where(Place.session_id == session_id)
    )
    return number or 0


async def team_places(
    session: AsyncSession, team_id: uuid.UUID, *, starting_after: datetime | None = None
) -> Sequence[Place]:
    """A team's registrations that are not released (at sessions starting after a time)."""
    query = select(Place).where(Place.team_id == team_id, Place.status != "released")
    if starting_after is not None:
        query = query.join(ProgrammeSession, Place.session_id == ProgrammeSession.id).where(
            ProgrammeSession.starts_at > starting_after
        )
    return (await session.scalars(query)).all()


async def place_totals(
    session: AsyncSession, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """People with confirmed and with waiting places, per session (every session given)."""
    if not session_ids:
        return {}
    result: dict[uuid.UUID, tuple[int, int]] = {i: (0, 0) for i in session_ids}
    totals = await session.execute(
        select(Place.session_id, Place.status, func.sum(Place.places))
        .where(Place.session_id.in_(session_ids), Place.status != "released")
        .group_by(Place.session_id, Place.status)
    )
    for session_id, status, total in totals.all():
        confirmed, waiting = result[session_id]
        if status == "confirmed":
            confirmed = int(total)
        else:
            waiting = int(total)
        result[session_id] = (confirmed, waiting)
    return result
