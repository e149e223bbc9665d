"""PDSA cycles."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import ChangeIdea, PdsaCycle, Team
from services.improvement.store.access import readable_team_ids
from shared.auth import Principal


async def readable_cycle(
    session: AsyncSession, user: Principal, cycle_id: uuid.UUID
) -> PdsaCycle | None:
    found: PdsaCycle | None = await session.scalar(
        select(PdsaCycle).where(
            PdsaCycle.id == cycle_id, PdsaCycle.team_id.in_(readable_team_ids(user))
        )
    )
    return found


async def cycle(
    session: AsyncSession, cycle_id: uuid.UUID, *, lock: bool = False
) -> PdsaCycle | None:
    return await session.get(PdsaCycle, cycle_id, with_for_update=lock, populate_existing=lock)


async def cycles_of_idea(session: AsyncSession, change_idea_id: uuid.UUID) -> Sequence[PdsaCycle]:
    return (
        await session.scalars(
            select(PdsaCycle)
            .where(PdsaCycle.change_idea_id == change_idea_id)
            .order_by(PdsaCycle.ramp_step)
        )
    ).all()


async def origin_tested(session: AsyncSession, cohort_id: uuid.UUID, origin_id: uuid.UUID) -> bool:
    """Has a team of the cohort started a cycle on an idea of this origin (is it in the library)?"""
    found = await session.scalar(
        select(
            exists()
            .where(PdsaCycle.change_idea_id == ChangeIdea.id)
            .where(PdsaCycle.team_id == Team.id)
            .where(
                ChangeIdea.origin_id == origin_id,
                Team.cohort_id == cohort_id,
                PdsaCycle.status != "planned",
            )
        )
    )
    return bool(found)
