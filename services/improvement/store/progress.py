"""Progress scores: every score set, per team and month, in revision order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import ProgressScore, Team
from services.improvement.store import every


async def history(session: AsyncSession, team_id: uuid.UUID) -> Sequence[ProgressScore]:
    query = select(ProgressScore).where(ProgressScore.team_id == team_id)
    return await every(session, query.order_by(ProgressScore.month, ProgressScore.revision))


async def last_revision(session: AsyncSession, team_id: uuid.UUID, month: date) -> int:
    found = await session.scalar(
        select(func.max(ProgressScore.revision)).where(
            ProgressScore.team_id == team_id, ProgressScore.month == month
        )
    )
    return int(found or 0)


async def cohort_scores(
    session: AsyncSession, cohort_id: uuid.UUID
) -> Sequence[tuple[uuid.UUID, date, ProgressScore]]:
    """Every score of the cohort's teams (all revisions; the caller keeps each month's last)."""
    rows = await session.execute(
        select(ProgressScore.team_id, ProgressScore.month, ProgressScore)
        .join(Team, Team.id == ProgressScore.team_id)
        .where(Team.cohort_id == cohort_id)
        .order_by(ProgressScore.month, ProgressScore.team_id, ProgressScore.revision)
    )
    return [(team_id, month, score) for team_id, month, score in rows]
