"""PDSA cycles."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import ChangeIdea, PdsaCycle, Team
from services.improvement.store import every


async def cycles_of_idea(session: AsyncSession, change_idea_id: uuid.UUID) -> Sequence[PdsaCycle]:
    query = select(PdsaCycle).where(PdsaCycle.change_idea_id == change_idea_id)
    return await every(session, query.order_by(PdsaCycle.ramp_step))


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
