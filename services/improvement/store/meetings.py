"""Project meetings, their actions, and recorded lapses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.models import (
    CoachAllocation,
    Cohort,
    Meeting,
    MeetingAction,
    MeetingLapse,
    Team,
)
from services.improvement.store import every


async def meetings(session: AsyncSession, team_id: uuid.UUID) -> Sequence[Meeting]:
    query = select(Meeting).where(Meeting.team_id == team_id)
    return await every(session, query.order_by(Meeting.held_on.desc(), Meeting.logged_at.desc()))


async def actions_raised(session: AsyncSession, meeting_id: uuid.UUID) -> Sequence[MeetingAction]:
    query = select(MeetingAction).where(MeetingAction.meeting_id == meeting_id)
    return await every(
        session, query.order_by(MeetingAction.due_on.asc().nulls_last(), MeetingAction.description)
    )


async def actions_carried_over(
    session: AsyncSession, team_id: uuid.UUID, held_on: date
) -> Sequence[MeetingAction]:
    """Actions of earlier meetings still open on ``held_on`` (done that day or later, or not)."""
    return await every(
        session,
        select(MeetingAction)
        .join(Meeting, Meeting.id == MeetingAction.meeting_id)
        .where(
            MeetingAction.team_id == team_id,
            Meeting.held_on < held_on,
            or_(MeetingAction.done_on.is_(None), MeetingAction.done_on >= held_on),
        )
        .order_by(
            Meeting.held_on, MeetingAction.due_on.asc().nulls_last(), MeetingAction.description
        ),
    )


async def actions(
    session: AsyncSession, team_id: uuid.UUID, *, open_only: bool
) -> Sequence[MeetingAction]:
    query = (
        select(MeetingAction)
        .join(Meeting, Meeting.id == MeetingAction.meeting_id)
        .where(MeetingAction.team_id == team_id)
    )
    if open_only:
        query = query.where(MeetingAction.done_on.is_(None))
    return await every(
        session,
        query.order_by(
            Meeting.held_on, MeetingAction.due_on.asc().nulls_last(), MeetingAction.description
        ),
    )


async def open_actions(
    session: AsyncSession, team_id: uuid.UUID, action_ids: Sequence[uuid.UUID]
) -> Sequence[MeetingAction]:
    return await every(
        session,
        select(MeetingAction).where(
            MeetingAction.team_id == team_id,
            MeetingAction.id.in_(action_ids),
            MeetingAction.done_on.is_(None),
        ),
    )


async def lapse_candidates(
    session: AsyncSession,
) -> Sequence[tuple[Team, Cohort, uuid.UUID | None, date | None, date | None]]:
    """Each active team of a running cohort with its coach, its last meeting day and the day
    its last recorded lapse counted from."""
    last_meeting = (
        select(Meeting.team_id, func.max(Meeting.held_on).label("held_on"))
        .group_by(Meeting.team_id)
        .subquery()
    )
    last_lapse = (
        select(MeetingLapse.team_id, func.max(MeetingLapse.since).label("since"))
        .group_by(MeetingLapse.team_id)
        .subquery()
    )
    rows = await session.execute(
        select(Team, Cohort, CoachAllocation.coach_id, last_meeting.c.held_on, last_lapse.c.since)
        .join(Cohort, Cohort.id == Team.cohort_id)
        .outerjoin(CoachAllocation, CoachAllocation.team_id == Team.id)
        .outerjoin(last_meeting, last_meeting.c.team_id == Team.id)
        .outerjoin(last_lapse, last_lapse.c.team_id == Team.id)
        .where(Team.status == "active", Cohort.status != "cancelled")
        .order_by(Team.id)
        # Replicas checking at once each take the teams the others have not claimed.
        .with_for_update(of=Team, skip_locked=True)
    )
    return [(team, cohort, coach, held, since) for team, cohort, coach, held, since in rows]
