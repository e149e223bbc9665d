"""Teams: submit an expression of interest in a cohort, list and read teams, edit an EOI, accept,
decline, confirm (a late joiner) and withdraw."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.enrolment import decisions, interest, schemas, teams
from services.enrolment.api.dependencies import EoiSubmitter, Now, TeamReader
from services.enrolment.fields import Nation, Setting, TeamStatusName
from shared.auth import Coordinator
from shared.db import ReadSession, Session
from shared.errors import problem_responses

eois = APIRouter(prefix="/cohorts/{cohort_id}/eois", tags=["teams"])
router = APIRouter(prefix="/teams", tags=["teams"])
_CHANGES = problem_responses(400, 404, 409)


@eois.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.TeamOut,
    responses=_CHANGES,
    summary="Submit an expression of interest for a team (records enrolment.eoi.submitted)",
    description="422 lists every missing confirmation (agreement, meeting commitment, senior "
    "sponsor, service-user involvement for clinical teams). After the deadline: 409 "
    "(`eoi-deadline-passed`), unless a coordinator sets `late_entry`, which is recorded.",
)
async def submit_eoi(
    cohort_id: uuid.UUID,
    data: interest.EoiCreate,
    session: Session,
    user: EoiSubmitter,
    now: Now,
) -> schemas.TeamOut:
    team = await interest.submit_eoi(session, cohort_id=cohort_id, data=data, user=user, now=now)
    return schemas.team_out(team)


@router.get("", response_model=schemas.TeamPage)
async def list_teams(
    session: Session,
    user: TeamReader,
    cohort_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    team_status: Annotated[TeamStatusName | None, Query(alias="status")] = None,
    setting: Setting | None = None,
    nation: Nation | None = None,
    coach_id: uuid.UUID | None = None,
    awaiting_coach: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.TeamPage:
    filters = teams.TeamFilters(
        cohort_id=cohort_id,
        organisation_id=organisation_id,
        status=team_status,
        setting=setting,
        nation=nation,
        coach_id=coach_id,
        awaiting_coach=awaiting_coach,
    )
    items, total = await teams.list_teams(
        session, user=user, filters=filters, limit=limit, offset=offset
    )
    return schemas.team_page(items, total=total, limit=limit, offset=offset)


@router.get("/{team_id}", response_model=schemas.TeamOut, responses=problem_responses(404))
async def get_team(team_id: uuid.UUID, session: ReadSession, user: TeamReader) -> schemas.TeamOut:
    return schemas.team_out(await teams.get_team(session, team_id=team_id, user=user))


@router.patch(
    "/{team_id}",
    response_model=schemas.TeamOut,
    responses=_CHANGES,
    summary="Change an expression of interest before the team is confirmed",
)
async def update_eoi(
    team_id: uuid.UUID, data: interest.EoiUpdate, session: Session, user: EoiSubmitter
) -> schemas.TeamOut:
    team = await interest.update_eoi(session, team_id=team_id, data=data, user=user)
    return schemas.team_out(team)


@router.post(
    "/{team_id}/accept",
    response_model=schemas.TeamOut,
    responses=_CHANGES,
    summary="Accept an EOI (records enrolment.cohort.viable when the minimum is first reached)",
)
async def accept_team(
    team_id: uuid.UUID, session: Session, user: Coordinator, now: Now
) -> schemas.TeamOut:
    team = await interest.accept_team(session, team_id=team_id, user=user, now=now)
    return schemas.team_out(team)


@router.post("/{team_id}/decline", response_model=schemas.TeamOut, responses=_CHANGES)
async def decline_team(
    team_id: uuid.UUID,
    session: Session,
    user: Coordinator,
    now: Now,
    data: schemas.DeclineRequest | None = None,
) -> schemas.TeamOut:
    team = await interest.decline_team(
        session, team_id=team_id, reason=data.reason if data else None, user=user, now=now
    )
    return schemas.team_out(team)


@router.post(
    "/{team_id}/confirm",
    response_model=schemas.TeamOut,
    responses=_CHANGES,
    summary="Confirm a late joiner into a confirmed cohort (records enrolment.team.confirmed)",
    description="Confirming a confirmed team again changes nothing and records nothing.",
)
async def confirm_team(
    team_id: uuid.UUID, session: Session, user: Coordinator, now: Now
) -> schemas.TeamOut:
    team = await decisions.confirm_team(session, team_id=team_id, user=user, now=now)
    return schemas.team_out(team)


@router.post(
    "/{team_id}/withdraw",
    response_model=schemas.TeamOut,
    responses=_CHANGES,
    summary="Withdraw a team (records enrolment.team.withdrawn for a confirmed team)",
)
async def withdraw_team(
    team_id: uuid.UUID,
    data: schemas.WithdrawRequest,
    session: Session,
    user: EoiSubmitter,
    now: Now,
) -> schemas.TeamOut:
    team = await interest.withdraw_team(
        session,
        team_id=team_id,
        reason=data.reason,
        withdrawn_on=data.withdrawn_on,
        user=user,
        now=now,
    )
    return schemas.team_out(team)
