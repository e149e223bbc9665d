"""Routes of QI coaches: register and list them (coordinators), and (re)assign a team's coach."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.enrolment import coaches, schemas
from services.enrolment.api.common import CHANGES, Now
from shared.auth import Coordinator
from shared.db import Session
from shared.errors import problem_responses

coach_routes = APIRouter(prefix="/coaches", tags=["coaches"])
team_coach_routes = APIRouter(prefix="/teams/{team_id}/coach", tags=["coaches"])


@team_coach_routes.put(
    "",
    responses=CHANGES,
    summary="Reassign a confirmed team to a coach (never over the coach's capacity)",
)
async def assign_coach(
    team_id: uuid.UUID, data: schemas.CoachAssignment, session: Session, user: Coordinator
) -> schemas.TeamOut:
    team = await coaches.assign_coach(session, team_id=team_id, coach_id=data.coach_id, user=user)
    return schemas.team_out(team)


@coach_routes.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 409),
)
async def create_coach(
    data: schemas.CoachCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.CoachOut:
    coach = await coaches.create_coach(
        session, name=data.name, email=data.email, capacity=data.capacity, now=now
    )
    return schemas.coach_out(coach)


@coach_routes.get("")
async def list_coaches(session: Session, _user: Coordinator) -> list[schemas.CoachOut]:
    return [schemas.coach_out(c) for c in await coaches.list_coaches(session)]
