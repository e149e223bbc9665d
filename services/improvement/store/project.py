"""Project teams, aim statements, and the facts readiness is computed from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import Aim, ChangeIdea, Diagram, Meeting, ProjectMember
from services.improvement.store import every


async def members(
    session: AsyncSession, team_id: uuid.UUID, *, current_only: bool
) -> Sequence[ProjectMember]:
    query = select(ProjectMember).where(ProjectMember.team_id == team_id)
    if current_only:
        query = query.where(ProjectMember.left_on.is_(None))
    return await every(session, query.order_by(ProjectMember.joined_on, ProjectMember.role))


async def member(session: AsyncSession, member_id: uuid.UUID) -> ProjectMember | None:
    return await session.get(ProjectMember, member_id)


async def aim(session: AsyncSession, team_id: uuid.UUID) -> Aim | None:
    return await session.get(Aim, team_id)


@dataclass(frozen=True)
class ProjectCounts:
    members: int = 0
    service_users: int = 0
    data_champions: int = 0
    meetings_with_coach: int = 0
    aim_written: bool = False
    aim_agreed: bool = False
    diagram_started: bool = False
    diagram_change_ideas: int = 0


async def project_counts(
    session: AsyncSession, team_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ProjectCounts]:
    """What readiness needs to know of each team, in four grouped queries."""
    found = {team_id: ProjectCounts() for team_id in team_ids}
    member_rows = await session.execute(
        select(
            ProjectMember.team_id,
            func.count(),
            func.sum(case((ProjectMember.is_service_user, 1), else_=0)),
            func.sum(case((ProjectMember.is_data_champion, 1), else_=0)),
        )
        .where(ProjectMember.team_id.in_(team_ids), ProjectMember.left_on.is_(None))
        .group_by(ProjectMember.team_id)
    )
    for team_id, count, users, champions in member_rows:
        found[team_id] = replace(
            found[team_id],
            members=int(count),
            service_users=int(users or 0),
            data_champions=int(champions or 0),
        )
    meeting_rows = await session.execute(
        select(Meeting.team_id, func.count())
        .where(Meeting.team_id.in_(team_ids), Meeting.coach_present.is_(True))
        .group_by(Meeting.team_id)
    )
    for team_id, count in meeting_rows:
        found[team_id] = replace(found[team_id], meetings_with_coach=int(count))
    for row in await session.scalars(select(Aim).where(Aim.team_id.in_(team_ids))):
        found[row.team_id] = replace(
            found[row.team_id], aim_written=True, aim_agreed=row.agreed_on is not None
        )
    diagram_rows = await session.execute(
        select(Diagram.team_id, func.count(ChangeIdea.id))
        .outerjoin(ChangeIdea, ChangeIdea.diagram_id == Diagram.id)
        .where(Diagram.team_id.in_(team_ids))
        .group_by(Diagram.team_id)
    )
    for team_id, ideas in diagram_rows:
        found[team_id] = replace(
            found[team_id], diagram_started=True, diagram_change_ideas=int(ideas)
        )
    return found
