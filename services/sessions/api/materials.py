"""A session's materials: links to its slides, recording and resources."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from services.sessions import materials, schemas
from services.sessions.api.deps import Editor, Reader
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses

router = APIRouter(
    prefix="/sessions/{session_id}/materials",
    tags=["materials"],
    responses=problem_responses(404),
)


@router.get("")
async def list_materials(
    session_id: uuid.UUID, session: ReadSession, user: Reader
) -> list[schemas.MaterialOut]:
    found = await materials.list_materials(session, session_id=session_id, user=user)
    return [schemas.MaterialOut.model_validate(m) for m in found]


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
async def add_material(
    session_id: uuid.UUID, data: schemas.MaterialAdd, session: Session, user: Editor, clock: Clock
) -> schemas.MaterialOut:
    material = await materials.add_material(
        session, session_id=session_id, data=data, user=user, now=clock.now()
    )
    return schemas.MaterialOut.model_validate(material)


@router.delete("/{material_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_material(
    session_id: uuid.UUID, material_id: uuid.UUID, session: Session, user: Editor
) -> Response:
    await materials.remove_material(
        session, session_id=session_id, material_id=material_id, user=user
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
