"""What an erasure reads: the people this service names, and where.

People reach this service as enrolment's contacts on a team (project lead, senior sponsor, with
their e-mail), as a coach's name on an allocation (found by the stored digest of the coach's
e-mail), and as names the team typed: project-team members, other attendees of a meeting, the
owner of an action. Ideas, impediments, ballots and tallies hold no one.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import (
    CoachAllocation,
    Meeting,
    MeetingAction,
    ProjectMember,
    Team,
)


async def teams(session: AsyncSession) -> Sequence[Team]:
    """Every team with its contacts (a programme's few hundred: their digests are computed here,
    as the addresses are stored inside each contact)."""
    return (await session.scalars(select(Team).with_for_update())).all()


async def allocations_of(session: AsyncSession, digest: str) -> Sequence[CoachAllocation]:
    return (
        await session.scalars(
            select(CoachAllocation).where(CoachAllocation.coach_email_digest == digest)
        )
    ).all()


async def members_named(
    session: AsyncSession, team_ids: Collection[uuid.UUID], names: Collection[str]
) -> Sequence[ProjectMember]:
    return (
        await session.scalars(
            select(ProjectMember).where(
                ProjectMember.team_id.in_(team_ids), ProjectMember.name.in_(names)
            )
        )
    ).all()


async def meetings_of(session: AsyncSession, team_ids: Collection[uuid.UUID]) -> Sequence[Meeting]:
    return (await session.scalars(select(Meeting).where(Meeting.team_id.in_(team_ids)))).all()


async def actions_owned(
    session: AsyncSession, team_ids: Collection[uuid.UUID], names: Collection[str]
) -> Sequence[MeetingAction]:
    return (
        await session.scalars(
            select(MeetingAction).where(
                MeetingAction.team_id.in_(team_ids), MeetingAction.owner.in_(names)
            )
        )
    ).all()
