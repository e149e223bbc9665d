"""A session's register: every expected team, marked in one request, closed by a coordinator."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.sessions import registers, schemas
from services.sessions.api.deps import Editor, Reader
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses

router = APIRouter(
    prefix="/sessions/{session_id}/register", tags=["attendance"], responses=problem_responses(404)
)


@router.get("")
async def get_register(
    session_id: uuid.UUID, session: ReadSession, user: Reader
) -> schemas.RegisterOut:
    """Every team expected at the session: present, absent or not marked yet."""
    found = await registers.get_register(session, session_id=session_id, user=user)
    return schemas.RegisterOut.build(found)


@router.post("", responses=problem_responses(403, 409))
async def mark_register(
    session_id: uuid.UUID, data: schemas.RegisterMarks, session: Session, user: Editor, clock: Clock
) -> schemas.RegisterOut:
    """Mark many teams present or absent at once; ``close: true`` (coordinators only) closes
    the register, counting every expected team not marked as absent."""
    found = await registers.mark_register(
        session, session_id=session_id, data=data, user=user, now=clock.now()
    )
    return schemas.RegisterOut.build(found)
