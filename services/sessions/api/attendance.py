"""Attendance at a session, and a team's attendance record."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from services.sessions import attendance, schemas
from services.sessions.api.deps import AttendanceRecorder, Reader
from shared.clock import Clock
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(tags=["attendance"], responses=problem_responses(404))


@router.post(
    "/sessions/{session_id}/attendance",
    status_code=status.HTTP_201_CREATED,
    responses={**problem_responses(409), 200: {"description": "An earlier record corrected"}},
)
async def record_attendance(
    session_id: uuid.UUID,
    data: schemas.AttendanceRecord,
    session: Session,
    user: AttendanceRecorder,
    response: Response,
    clock: Clock,
) -> schemas.AttendanceOut:
    recorded = await attendance.record_attendance(
        session, session_id=session_id, mark=data, user=user, now=clock.now()
    )
    if not recorded.created:
        response.status_code = status.HTTP_200_OK
    return schemas.AttendanceOut.build(recorded)


@router.get("/sessions/{session_id}/attendance")
async def session_attendance(
    session_id: uuid.UUID, session: Session, user: Reader
) -> list[schemas.AttendanceOut]:
    found = await attendance.session_attendance(session, session_id=session_id, user=user)
    return [schemas.AttendanceOut.build(r) for r in found]


@router.get("/teams/{team_id}/attendance")
async def team_attendance(
    team_id: uuid.UUID, session: Session, user: Reader
) -> list[schemas.AttendanceOut]:
    found = await attendance.team_attendance(session, team_id=team_id, user=user)
    return [schemas.AttendanceOut.build(r) for r in found]
