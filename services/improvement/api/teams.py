"""Teams: their projects' overview, readiness, project team and aim."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.improvement import project, readiness, teams
from services.improvement.api.roles import ProjectPeople
from services.improvement.schemas import teams as schemas
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

router = APIRouter(prefix="/teams", tags=["teams and project set-up"])
TeamId = uuid.UUID


@router.get("", response_model=list[schemas.TeamOut], summary="The teams the caller may see")
async def list_teams(
    session: ReadSession,
    user: ProjectPeople,
    clock: Clock,
    cohort_id: Annotated[uuid.UUID | None, Query(description="Only this cohort's teams")] = None,
) -> list[schemas.TeamOut]:
    found = await teams.list_teams(session, user=user, cohort_id=cohort_id, now=clock.now())
    return [schemas.team_out(v) for v in found]


@router.get("/{team_id}", response_model=schemas.TeamOut, responses=problem_responses(404))
async def get_team(
    team_id: TeamId, session: ReadSession, user: ProjectPeople, clock: Clock
) -> schemas.TeamOut:
    view = await teams.team_overview(session, user=user, team_id=team_id, now=clock.now())
    return schemas.team_out(view)


@router.get(
    "/{team_id}/readiness",
    response_model=schemas.ReadinessOut,
    responses=problem_responses(404),
    summary="The lead-in checklist, computed",
)
async def team_readiness(
    team_id: TeamId, session: ReadSession, user: ProjectPeople
) -> schemas.ReadinessOut:
    found = await readiness.team_readiness(session, user=user, team_id=team_id)
    return schemas.readiness_out(found)


@router.get(
    "/{team_id}/members", response_model=list[schemas.MemberOut], responses=problem_responses(404)
)
async def list_members(
    team_id: TeamId,
    session: ReadSession,
    user: ProjectPeople,
    include_former: Annotated[bool, Query(description="Members who left too")] = False,
) -> list[schemas.MemberOut]:
    found = await project.list_members(
        session, user=user, team_id=team_id, include_former=include_former
    )
    return [schemas.MemberOut.model_validate(m) for m in found]


@router.post(
    "/{team_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.MemberOut,
    responses=problem_responses(404, 409),
)
async def add_member(
    team_id: TeamId, data: schemas.MemberIn, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.MemberOut:
    member = await project.add_member(
        session, user=user, team_id=team_id, data=data, now=clock.now()
    )
    return schemas.MemberOut.model_validate(member)


@router.patch(
    "/{team_id}/members/{member_id}",
    response_model=schemas.MemberOut,
    responses=problem_responses(404, 409),
)
async def update_member(
    team_id: TeamId,
    member_id: uuid.UUID,
    data: schemas.MemberUpdate,
    session: Session,
    user: ProjectPeople,
) -> schemas.MemberOut:
    member = await project.update_member(
        session, user=user, team_id=team_id, member_id=member_id, data=data
    )
    return schemas.MemberOut.model_validate(member)


@router.delete(
    "/{team_id}/members/{member_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(404, 409),
    summary="The member leaves the project team (kept for the meeting log)",
)
async def remove_member(
    team_id: TeamId, member_id: uuid.UUID, session: Session, user: ProjectPeople, clock: Clock
) -> Response:
    await project.remove_member(
        session, user=user, team_id=team_id, member_id=member_id, now=clock.now()
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{team_id}/aim", response_model=schemas.AimOut, responses=problem_responses(404))
async def get_aim(team_id: TeamId, session: ReadSession, user: ProjectPeople) -> schemas.AimOut:
    return schemas.aim_out(await project.aim(session, user=user, team_id=team_id))


@router.put(
    "/{team_id}/aim",
    response_model=schemas.AimOut,
    responses=problem_responses(404, 409),
    summary="Write the aim statement (a changed aim must be agreed again)",
)
async def set_aim(
    team_id: TeamId, data: schemas.AimIn, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.AimOut:
    aim = await project.set_aim(session, user=user, team_id=team_id, data=data, now=clock.now())
    return schemas.aim_out(aim)


@router.post(
    "/{team_id}/aim/agreement",
    response_model=schemas.AimOut,
    responses=problem_responses(404, 409),
    summary="The aim, as it stands, is agreed with the coach and sponsor",
)
async def agree_aim(
    team_id: TeamId, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.AimOut:
    aim = await project.agree_aim(session, user=user, team_id=team_id, now=clock.now())
    return schemas.aim_out(aim)


limit_writes(router, WRITES)
