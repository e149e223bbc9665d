"""A session's places and waiting list."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.sessions import places, schemas
from services.sessions.api.deps import PlaceRegistrar, Reader
from shared.clock import Clock
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(
    prefix="/sessions/{session_id}", tags=["places"], responses=problem_responses(404)
)


@router.get("/places")
async def list_places(session_id: uuid.UUID, session: Session, user: Reader) -> schemas.PlacesOut:
    found = await places.list_places(session, session_id=session_id, user=user)
    return schemas.PlacesOut.build(found)


@router.get("/waiting-list")
async def waiting_list(
    session_id: uuid.UUID, session: Session, user: Reader
) -> list[schemas.PlaceOut]:
    found = await places.list_places(session, session_id=session_id, user=user)
    return schemas.waiting_list(found)


@router.post(
    "/places",
    responses=problem_responses(409),
    summary="Register (or change) a team's places; over capacity it joins the waiting list",
)
async def register_places(
    session_id: uuid.UUID,
    data: schemas.PlaceRegister,
    session: Session,
    user: PlaceRegistrar,
    clock: Clock,
) -> schemas.PlaceOut:
    place, position = await places.register_places(
        session,
        session_id=session_id,
        team_id=data.team_id,
        places=data.places,
        user=user,
        now=clock.now(),
    )
    return schemas.PlaceOut.build(place, position)


@router.delete(
    "/places/{team_id}",
    summary="Release a team's places; the waiting list is promoted in order",
)
async def release_places(
    session_id: uuid.UUID,
    team_id: uuid.UUID,
    session: Session,
    user: PlaceRegistrar,
    clock: Clock,
) -> schemas.PlaceOut:
    place = await places.release_places(
        session, session_id=session_id, team_id=team_id, user=user, now=clock.now()
    )
    return schemas.PlaceOut.build(place)
