"""Organisations' API keys for trust systems (coordinators only)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.measurement import keys, schemas
from shared.auth import Coordinator
from shared.clock import Clock
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(prefix="/api-keys", tags=["api keys"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ApiKeyCreated,
    summary="Create an organisation's API key (the secret is shown in this answer only)",
)
async def create_api_key(
    data: schemas.ApiKeyCreate, session: Session, user: Coordinator, clock: Clock
) -> schemas.ApiKeyCreated:
    created = await keys.create_api_key(
        session,
        organisation_id=data.organisation_id,
        label=data.label,
        by=user.subject,
        now=clock.now(),
    )
    return schemas.ApiKeyCreated.of(created)


@router.get("", response_model=list[schemas.ApiKeyOut])
async def list_api_keys(
    session: Session, _user: Coordinator, organisation_id: uuid.UUID | None = None
) -> list[schemas.ApiKeyOut]:
    found = await keys.list_api_keys(session, organisation_id=organisation_id)
    return [schemas.ApiKeyOut.model_validate(key) for key in found]


@router.post("/{key_id}/revoke", response_model=schemas.ApiKeyOut, responses=problem_responses(404))
async def revoke_api_key(
    key_id: uuid.UUID, session: Session, _user: Coordinator, clock: Clock
) -> schemas.ApiKeyOut:
    revoked = await keys.revoke_api_key(session, key_id=key_id, now=clock.now())
    return schemas.ApiKeyOut.model_validate(revoked)
