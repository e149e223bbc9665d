"""Cohorts and their sessions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.models import Cohort, ProgrammeSession
from shared.db import dialect_insert


async def get_cohort(
    session: AsyncSession, cohort_id: uuid.UUID, *, lock: bool = False
) -> Cohort | None:
    return await session.get(Cohort, cohort_id, with_for_update=lock)


async def add_cohort_if_missing(session: AsyncSession, values: dict[str, object]) -> None:
    """Insert the cohort unless another replica's handler just did (it then gives way)."""
    insert = dialect_insert(session)(Cohort)
    await session.execute(insert.values(values).on_conflict_do_nothing())


async def get_session(
    session: AsyncSession, session_id: uuid.UUID, *, lock: bool = False
) -> ProgrammeSession | None:
    return await session.get(ProgrammeSession, session_id, with_for_update=lock)


async def draft_keys(session: AsyncSession, cohort_id: uuid.UUID) -> set[str]:
    """The business keys (``learning_set:3``) of the cohort's drafted sessions."""
    keys = await session.scalars(
        select(ProgrammeSession.draft_key).where(
            ProgrammeSession.cohort_id == cohort_id, ProgrammeSession.draft_key.is_not(None)
        )
    )
    return {key for key in keys.all() if key is not None}


async def cohort_sessions(
    session: AsyncSession,
    cohort_id: uuid.UUID,
    *,
    kind: str | None = None,
    status: str | None = None,
    mode: str | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
) -> Sequence[ProgrammeSession]:
    """The cohort's sessions in time order, those given narrowing them."""
    query = select(ProgrammeSession).where(ProgrammeSession.cohort_id == cohort_id)
    if kind:
        query = query.where(ProgrammeSession.kind == kind)
    if status:
        query = query.where(ProgrammeSession.status == status)
    if mode:
        query = query.where(ProgrammeSession.mode == mode)
    if starts_from:
        query = query.where(ProgrammeSession.starts_at >= starts_from)
    if starts_before:
        query = query.where(ProgrammeSession.starts_at < starts_before)
    return (await session.scalars(query.order_by(ProgrammeSession.starts_at))).all()
