"""Roster teams and their coaches."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.models import CoachAllocation, RosterTeam
from services.sessions.store.access import only_readable
from shared.auth import Principal


async def get_team(
    session: AsyncSession, team_id: uuid.UUID, *, lock: bool = False
) -> RosterTeam | None:
    return await session.get(RosterTeam, team_id, with_for_update=lock)


async def active_teams(session: AsyncSession, cohort_id: uuid.UUID) -> Sequence[RosterTeam]:
    return (
        await session.scalars(
            select(RosterTeam).where(
                RosterTeam.cohort_id == cohort_id, RosterTeam.status == "active"
            )
        )
    ).all()


async def get_allocation(
    session: AsyncSession, team_id: uuid.UUID, *, lock: bool = False
) -> CoachAllocation | None:
    return await session.get(CoachAllocation, team_id, with_for_update=lock)


async def coach_of(session: AsyncSession, team_id: uuid.UUID) -> uuid.UUID | None:
    coach_id: uuid.UUID | None = await session.scalar(
        select(CoachAllocation.coach_id).where(CoachAllocation.team_id == team_id)
    )
    return coach_id


async def roster(
    session: AsyncSession, user: Principal, *, cohort_id: uuid.UUID, include_withdrawn: bool
) -> list[tuple[RosterTeam, CoachAllocation | None]]:
    """The cohort's teams ``user`` may read, by name, each with its coach's allocation."""
    query = (
        select(RosterTeam, CoachAllocation)
        .outerjoin(CoachAllocation, CoachAllocation.team_id == RosterTeam.team_id)
        .where(RosterTeam.cohort_id == cohort_id)
        .order_by(RosterTeam.team_name, RosterTeam.team_id)
    )
    if not include_withdrawn:
        query = query.where(RosterTeam.status == "active")
    query = only_readable(query, RosterTeam.team_id, user, cohort_id=cohort_id)
    return [(team, allocation) for team, allocation in (await session.execute(query)).all()]
