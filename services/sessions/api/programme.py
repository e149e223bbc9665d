"""A cohort's sessions: read by whoever may read the cohort, changed by coordinators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.sessions import programme, schemas
from services.sessions.api.deps import Reader
from shared.auth import Coordinator
from shared.clock import Clock
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(tags=["sessions"], responses=problem_responses(404))


@router.get(
    "/cohorts/{cohort_id}/sessions",
    summary="The cohort's sessions in time order, cancelled ones included unless filtered",
)
async def list_sessions(
    cohort_id: uuid.UUID,
    session: Session,
    user: Reader,
    filters: Annotated[schemas.SessionFilters, Query()],
) -> list[schemas.SessionOut]:
    found = await programme.list_sessions(session, cohort_id=cohort_id, user=user, filters=filters)
    return [schemas.SessionOut.build(v) for v in found]


@router.post(
    "/cohorts/{cohort_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_session(
    cohort_id: uuid.UUID,
    data: schemas.SessionCreate,
    session: Session,
    _user: Coordinator,
    clock: Clock,
) -> schemas.SessionOut:
    view = await programme.create_session(session, cohort_id=cohort_id, data=data, now=clock.now())
    return schemas.SessionOut.build(view)


@router.post("/cohorts/{cohort_id}/draft", status_code=201, responses=problem_responses(409))
async def draft_missing(
    cohort_id: uuid.UUID, session: Session, _user: Coordinator, clock: Clock
) -> list[schemas.SessionOut]:
    """Draft the default sessions the cohort lacks, from now on (cancelled ones stay so)."""
    found = await programme.draft_missing(session, cohort_id=cohort_id, now=clock.now())
    return [schemas.SessionOut.build(v) for v in found]


@router.get("/sessions/{session_id}")
async def get_session(session_id: uuid.UUID, session: Session, user: Reader) -> schemas.SessionOut:
    view = await programme.get_session(session, session_id=session_id, user=user)
    return schemas.SessionOut.build(view)


@router.patch(
    "/sessions/{session_id}",
    responses=problem_responses(409),
    summary="Move a session, change its mode, venue, join link, capacity, title or notes",
)
async def update_session(
    session_id: uuid.UUID,
    data: schemas.SessionUpdate,
    session: Session,
    _user: Coordinator,
    clock: Clock,
) -> schemas.SessionOut:
    view = await programme.update_session(
        session, session_id=session_id, data=data, now=clock.now()
    )
    return schemas.SessionOut.build(view)


@router.post("/sessions/{session_id}/cancel")
async def cancel_session(
    session_id: uuid.UUID,
    data: schemas.SessionCancel,
    session: Session,
    _user: Coordinator,
    clock: Clock,
) -> schemas.SessionOut:
    view = await programme.cancel_session(
        session, session_id=session_id, reason=data.reason, now=clock.now()
    )
    return schemas.SessionOut.build(view)
