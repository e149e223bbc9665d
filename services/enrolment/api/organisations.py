"""Organisations: register, list, read (a team lead only their own)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.enrolment import organisations, schemas
from services.enrolment.api.dependencies import Now, Reader
from shared.auth import Coordinator
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.OrganisationOut,
    responses=problem_responses(400, 409),
)
async def create_organisation(
    data: organisations.OrganisationCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.OrganisationOut:
    organisation = await organisations.create_organisation(session, data=data, now=now)
    return schemas.organisation_out(organisation)


@router.get("", response_model=list[schemas.OrganisationOut])
async def list_organisations(session: Session, user: Reader) -> list[schemas.OrganisationOut]:
    return [
        schemas.organisation_out(o)
        for o in await organisations.list_organisations(session, user=user)
    ]


@router.get(
    "/{organisation_id}", response_model=schemas.OrganisationOut, responses=problem_responses(404)
)
async def get_organisation(
    organisation_id: uuid.UUID, session: Session, user: Reader
) -> schemas.OrganisationOut:
    organisation = await organisations.get_organisation(
        session, organisation_id=organisation_id, user=user
    )
    return schemas.organisation_out(organisation)
