"""Project meetings and their actions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.improvement import meetings
from services.improvement.api.roles import ProjectPeople
from services.improvement.schemas import meetings as schemas
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

router = APIRouter(tags=["project meetings"], responses=problem_responses(404))


@router.get("/teams/{team_id}/meetings", response_model=list[schemas.MeetingSummaryOut])
async def list_meetings(
    team_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> list[schemas.MeetingSummaryOut]:
    found = await meetings.list_meetings(session, user=user, team_id=team_id)
    return [schemas.meeting_summary_out(m) for m in found]


@router.post(
    "/teams/{team_id}/meetings",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.MeetingOut,
    responses=problem_responses(409),
    summary="Log a project meeting, its new actions and the actions done by it",
)
async def log_meeting(
    team_id: uuid.UUID, data: schemas.MeetingIn, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.MeetingOut:
    view = await meetings.log_meeting(
        session, user=user, team_id=team_id, data=data, now=clock.now()
    )
    return schemas.meeting_out(view)


@router.get(
    "/meetings/{meeting_id}",
    response_model=schemas.MeetingOut,
    summary="A meeting, its actions and the earlier actions carried over to it",
)
async def get_meeting(
    meeting_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> schemas.MeetingOut:
    return schemas.meeting_out(await meetings.meeting(session, user=user, meeting_id=meeting_id))


@router.get("/teams/{team_id}/actions", response_model=list[schemas.ActionOut])
async def list_actions(
    team_id: uuid.UUID,
    session: ReadSession,
    user: ProjectPeople,
    open_only: Annotated[bool, Query(description="Only actions not done yet")] = True,
) -> list[schemas.ActionOut]:
    found = await meetings.list_actions(session, user=user, team_id=team_id, open_only=open_only)
    return [schemas.action_out(a) for a in found]


@router.patch(
    "/actions/{action_id}", response_model=schemas.ActionOut, responses=problem_responses(409)
)
async def update_action(
    action_id: uuid.UUID,
    data: schemas.ActionUpdate,
    session: Session,
    user: ProjectPeople,
    clock: Clock,
) -> schemas.ActionOut:
    found = await meetings.update_action(
        session, user=user, action_id=action_id, data=data, now=clock.now()
    )
    return schemas.action_out(found)


limit_writes(router, WRITES)
