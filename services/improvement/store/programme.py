"""Cohorts, teams, coach allocations, plan measures and baseline data (copies of what enrolment
and measurement announced)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import BaselineData, CoachAllocation, Cohort, PlanMeasure, Team
from services.improvement.store import every
from services.improvement.store.access import readable_cohort_ids, readable_teams
from shared.auth import Principal


async def cohort(
    session: AsyncSession, cohort_id: uuid.UUID, *, lock: bool = False
) -> Cohort | None:
    return await session.get(Cohort, cohort_id, with_for_update=lock)


async def readable_cohort(
    session: AsyncSession, user: Principal, cohort_id: uuid.UUID
) -> Cohort | None:
    found: Cohort | None = await session.scalar(
        select(Cohort).where(Cohort.id == cohort_id, Cohort.id.in_(readable_cohort_ids(user)))
    )
    return found


async def team(session: AsyncSession, team_id: uuid.UUID, *, lock: bool = False) -> Team | None:
    return await session.get(Team, team_id, with_for_update=lock)


async def readable_team(
    session: AsyncSession, user: Principal, team_id: uuid.UUID, *, lock: bool = False
) -> Team | None:
    query = readable_teams(user).where(Team.id == team_id)
    if lock:
        query = query.with_for_update(of=Team)
    found: Team | None = await session.scalar(query)
    return found


async def readable_team_rows(
    session: AsyncSession, user: Principal, *, cohort_id: uuid.UUID | None = None
) -> Sequence[Team]:
    query = readable_teams(user).order_by(Team.name, Team.id)
    if cohort_id is not None:
        query = query.where(Team.cohort_id == cohort_id)
    return await every(session, query)


async def coach_allocation(
    session: AsyncSession, team_id: uuid.UUID, *, lock: bool = False
) -> CoachAllocation | None:
    return await session.get(CoachAllocation, team_id, with_for_update=lock)


async def coach_allocations(
    session: AsyncSession, team_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CoachAllocation]:
    rows = await session.scalars(
        select(CoachAllocation).where(CoachAllocation.team_id.in_(team_ids))
    )
    return {row.team_id: row for row in rows}


async def cohorts_by_id(
    session: AsyncSession, cohort_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Cohort]:
    rows = await session.scalars(select(Cohort).where(Cohort.id.in_(set(cohort_ids))))
    return {row.id: row for row in rows}


async def plan_measure(
    session: AsyncSession, cohort_id: uuid.UUID, measure_key: str, *, lock: bool = False
) -> PlanMeasure | None:
    return await session.get(PlanMeasure, (cohort_id, measure_key), with_for_update=lock)


async def plan_measures(session: AsyncSession, cohort_id: uuid.UUID) -> Sequence[PlanMeasure]:
    """The measures in the cohort's plan now, by key."""
    query = select(PlanMeasure).where(
        PlanMeasure.cohort_id == cohort_id, PlanMeasure.in_plan.is_(True)
    )
    return await every(session, query.order_by(PlanMeasure.measure_key))


async def baseline(
    session: AsyncSession, team_id: uuid.UUID, measure_key: str, *, lock: bool = False
) -> BaselineData | None:
    return await session.get(BaselineData, (team_id, measure_key), with_for_update=lock)


async def measures_with_data(
    session: AsyncSession, team_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, set[str]]:
    rows = await session.execute(
        select(BaselineData.team_id, BaselineData.measure_key).where(
            BaselineData.team_id.in_(team_ids), BaselineData.rows > 0
        )
    )
    found: dict[uuid.UUID, set[str]] = {}
    for team_id, key in rows:
        found.setdefault(team_id, set()).add(key)
    return found
