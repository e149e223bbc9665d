"""Materials of sessions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.models import SessionMaterial


async def session_materials(
    session: AsyncSession, session_id: uuid.UUID
) -> Sequence[SessionMaterial]:
    return (
        await session.scalars(
            select(SessionMaterial)
            .where(SessionMaterial.session_id == session_id)
            .order_by(SessionMaterial.added_at, SessionMaterial.id)
        )
    ).all()


async def material(
    session: AsyncSession, session_id: uuid.UUID, material_id: uuid.UUID
) -> SessionMaterial | None:
    found: SessionMaterial | None = await session.scalar(
        select(SessionMaterial).where(
            SessionMaterial.id == material_id, SessionMaterial.session_id == session_id
        )
    )
    return found
