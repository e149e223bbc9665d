"""HTTP routes of the enrolment service (mounted under /api/enrolment). Thin: parse, call, return."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status

from services.enrolment import schemas, service
from shared.auth import Coordinator, Principal, Role, require_roles
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter()

EoiSubmitter = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead)]
TeamReader = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach)]


@router.post(
    "/organisations",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.OrganisationOut,
    responses=problem_responses(409),
    tags=["organisations"],
)
async def create_organisation(
    data: schemas.OrganisationCreate, session: Session, _user: Coordinator
) -> schemas.OrganisationOut:
    organisation = await service.create_organisation(session, data=data)
    return schemas.OrganisationOut.model_validate(organisation)


@router.post(
    "/cohorts",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CohortOut,
    tags=["cohorts"],
)
async def open_cohort(
    data: schemas.CohortCreate, session: Session, _user: Coordinator
) -> schemas.CohortOut:
    return schemas.CohortOut.model_validate(await service.open_cohort(session, data=data))


@router.post(
    "/cohorts/{cohort_id}/eois",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.TeamOut,
    responses=problem_responses(404),
    tags=["teams"],
)
async def submit_eoi(
    cohort_id: uuid.UUID, data: schemas.EoiSubmit, session: Session, user: EoiSubmitter
) -> schemas.TeamOut:
    team = await service.submit_eoi(session, cohort_id=cohort_id, data=data, user=user)
    return schemas.TeamOut.model_validate(team)


@router.get(
    "/teams/{team_id}",
    response_model=schemas.TeamOut,
    responses=problem_responses(404),
    tags=["teams"],
)
async def get_team(team_id: uuid.UUID, session: Session, user: TeamReader) -> schemas.TeamOut:
    return schemas.TeamOut.model_validate(
        await service.get_team(session, team_id=team_id, user=user)
    )


@router.post(
    "/teams/{team_id}/confirm",
    response_model=schemas.TeamOut,
    responses=problem_responses(404, 409),
    tags=["teams"],
)
async def confirm_team(team_id: uuid.UUID, session: Session, _user: Coordinator) -> schemas.TeamOut:
    return schemas.TeamOut.model_validate(await service.confirm_team(session, team_id=team_id))
