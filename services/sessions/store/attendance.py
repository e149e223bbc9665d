"""Attendance records and the disengagements found in them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.models import Attendance, Disengagement, ProgrammeSession, RosterTeam
from services.sessions.store.access import only_readable
from shared.auth import Principal


async def attendance_record(
    session: AsyncSession, *, session_id: uuid.UUID, team_id: uuid.UUID
) -> Attendance | None:
    record: Attendance | None = await session.scalar(
        select(Attendance).where(Attendance.session_id == session_id, Attendance.team_id == team_id)
    )
    return record


async def programme_attended(
    session: AsyncSession, team: RosterTeam
) -> list[tuple[ProgrammeSession, bool | None]]:
    """Every session of the team's cohort with the team's attendance (``None``: not recorded)."""
    rows = await session.execute(
        select(ProgrammeSession, Attendance.attended)
        .outerjoin(
            Attendance,
            (Attendance.session_id == ProgrammeSession.id) & (Attendance.team_id == team.team_id),
        )
        .where(ProgrammeSession.cohort_id == team.cohort_id)
    )
    return [(row, attended) for row, attended in rows.all()]


async def disengagements(session: AsyncSession, team_id: uuid.UUID) -> Sequence[Disengagement]:
    return (
        await session.scalars(
            select(Disengagement)
            .where(Disengagement.team_id == team_id)
            .order_by(Disengagement.flagged_at)
        )
    ).all()


async def disengagement_keys(session: AsyncSession, team_id: uuid.UUID) -> set[uuid.UUID]:
    """The runs of misses already recorded for the team (each by its first missed set)."""
    keys = await session.scalars(
        select(Disengagement.run_key).where(Disengagement.team_id == team_id)
    )
    return set(keys.all())


async def session_attendance(
    session: AsyncSession, user: Principal, row: ProgrammeSession
) -> Sequence[Attendance]:
    """The session's attendance records of the teams ``user`` may read, by team."""
    query = select(Attendance).where(Attendance.session_id == row.id).order_by(Attendance.team_id)
    query = only_readable(query, Attendance.team_id, user, cohort_id=row.cohort_id)
    return (await session.scalars(query)).all()


async def team_attendance(
    session: AsyncSession, team_id: uuid.UUID
) -> list[tuple[Attendance, ProgrammeSession]]:
    """The team's attendance records with their sessions, in time order."""
    rows = await session.execute(
        select(Attendance, ProgrammeSession)
        .join(ProgrammeSession, Attendance.session_id == ProgrammeSession.id)
        .where(Attendance.team_id == team_id)
        .order_by(ProgrammeSession.starts_at)
    )
    return [(record, row) for record, row in rows.all()]
