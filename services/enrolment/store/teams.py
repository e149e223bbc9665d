"""Lists of teams: what a principal may read, narrowed by the filters of ``GET /teams``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment.models import Organisation, Team
from services.enrolment.rules import TeamStatus
from services.enrolment.store.access import readable_teams
from shared.auth import Principal


@dataclass(frozen=True)
class TeamFilters:
    cohort_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    status: str | None = None
    setting: str | None = None
    nation: str | None = None
    coach_id: uuid.UUID | None = None
    awaiting_coach: bool | None = None


async def teams(
    session: AsyncSession, principal: Principal, *, filters: TeamFilters, limit: int, offset: int
) -> tuple[Sequence[Team], int]:
    """One page of the teams ``principal`` may read that match ``filters`` (oldest EOI first),
    and how many match in all."""
    query = readable_teams(principal)
    if filters.cohort_id is not None:
        query = query.where(Team.cohort_id == filters.cohort_id)
    if filters.organisation_id is not None:
        query = query.where(Team.organisation_id == filters.organisation_id)
    if filters.status is not None:
        query = query.where(Team.status == filters.status)
    if filters.setting is not None:
        query = query.where(Team.setting == filters.setting)
    if filters.nation is not None:
        query = query.where(
            Team.organisation_id.in_(
                select(Organisation.id).where(Organisation.nation == filters.nation)
            )
        )
    if filters.coach_id is not None:
        query = query.where(Team.coach_id == filters.coach_id)
    if filters.awaiting_coach is not None:
        awaiting = (Team.status == TeamStatus.CONFIRMED.value) & Team.coach_id.is_(None)
        query = query.where(awaiting if filters.awaiting_coach else ~awaiting)
    total = int(
        await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    items = (
        await session.scalars(
            query.order_by(Team.submitted_at, Team.id).limit(limit).offset(offset)
        )
    ).all()
    return items, total
