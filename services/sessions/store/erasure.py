"""What an erasure reads and rewrites: the people named in this service's rows.

People's details reach this service in three ways: a coach's name (with a digest of their
e-mail) from ``enrolment.coach.allocated``; the subject of whoever signed in, on what they
recorded (an e-mail address when the identity provider uses addresses as subjects); and events
it could not handle, kept whole in its dead-letter store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, union, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from services.sessions.models import (
    Attendance,
    CoachAllocation,
    FeedToken,
    Place,
    ProgrammeSession,
    SessionMaterial,
)

# Every column that holds the subject of the person who did something.
SUBJECT_COLUMNS: tuple[InstrumentedAttribute[Any], ...] = (
    Attendance.recorded_by,
    Place.registered_by,
    FeedToken.created_by,
    SessionMaterial.added_by,
    ProgrammeSession.register_closed_by,
)


async def allocations_of(session: AsyncSession, digest: str) -> Sequence[CoachAllocation]:
    return (
        await session.scalars(
            select(CoachAllocation).where(CoachAllocation.coach_email_digest == digest)
        )
    ).all()


async def address_subjects(session: AsyncSession) -> set[str]:
    """Every subject recorded anywhere that looks like an e-mail address."""
    query = union(*(select(column).where(column.like("%@%")) for column in SUBJECT_COLUMNS))
    return {value for value in (await session.scalars(query)).all() if value}


async def replace_subjects(session: AsyncSession, old: set[str], new: str) -> None:
    for column in SUBJECT_COLUMNS:
        await session.execute(
            update(column.class_).where(column.in_(old)).values({column.key: new})
        )


async def feed_tokens_of(session: AsyncSession, subjects: set[str]) -> Sequence[FeedToken]:
    return (
        await session.scalars(select(FeedToken).where(FeedToken.created_by.in_(subjects)))
    ).all()
