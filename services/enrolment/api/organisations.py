"""Routes of organisations: register (coordinators), list and read, change details (a team lead:
their own organisation's accounts-payable contact only), verify or merge one an applicant
named."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.enrolment import organisations, schemas
from services.enrolment.api.common import CHANGES, Now, OrganisationEditor, Reader
from shared.auth import Coordinator
from shared.db import Session
from shared.errors import problem_responses

organisation_routes = APIRouter(prefix="/organisations", tags=["organisations"])


@organisation_routes.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 409),
)
async def create_organisation(
    data: organisations.OrganisationCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.OrganisationOut:
    organisation = await organisations.create_organisation(session, data=data, now=now)
    return schemas.organisation_out(organisation)


@organisation_routes.get("")
async def list_organisations(
    session: Session, user: Reader, verified: bool | None = None
) -> list[schemas.OrganisationOut]:
    found = await organisations.list_organisations(session, user=user, verified=verified)
    return [schemas.organisation_out(o) for o in found]


@organisation_routes.get("/{organisation_id}", responses=problem_responses(404))
async def get_organisation(
    organisation_id: uuid.UUID, session: Session, user: Reader
) -> schemas.OrganisationOut:
    organisation = await organisations.get_organisation(
        session, organisation_id=organisation_id, user=user
    )
    return schemas.organisation_out(organisation)


@organisation_routes.patch(
    "/{organisation_id}",
    responses=CHANGES,
    summary="Change an organisation's details or its accounts-payable contact (records "
    "enrolment.organisation.updated)",
    description="Coordinators change any detail; a team lead changes their own organisation's "
    "`accounts_payable` only (403 for other fields).",
)
async def update_organisation(
    organisation_id: uuid.UUID,
    data: organisations.OrganisationUpdate,
    session: Session,
    user: OrganisationEditor,
    now: Now,
) -> schemas.OrganisationOut:
    organisation = await organisations.update_organisation(
        session, organisation_id=organisation_id, data=data, user=user, now=now
    )
    return schemas.organisation_out(organisation)


@organisation_routes.post(
    "/{organisation_id}/verify",
    responses=CHANGES,
    summary="Verify an organisation an applicant named (its teams may then be accepted)",
)
async def verify_organisation(
    organisation_id: uuid.UUID, session: Session, user: Coordinator, now: Now
) -> schemas.OrganisationOut:
    organisation = await organisations.verify_organisation(
        session, organisation_id=organisation_id, user=user, now=now
    )
    return schemas.organisation_out(organisation)


@organisation_routes.post(
    "/{organisation_id}/merge",
    responses=CHANGES,
    summary="Merge an unverified organisation into the verified one it duplicates",
    description="Its expressions of interest move to the target, and its ODS code too when the "
    "target has none. Answers the target.",
)
async def merge_organisation(
    organisation_id: uuid.UUID,
    data: organisations.OrganisationMerge,
    session: Session,
    user: Coordinator,
    now: Now,
) -> schemas.OrganisationOut:
    target = await organisations.merge_organisation(
        session,
        organisation_id=organisation_id,
        into_id=data.into_organisation_id,
        user=user,
        now=now,
    )
    return schemas.organisation_out(target)
