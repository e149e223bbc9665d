"""Organisations' API keys (only a key's hash is stored; it is found by its non-secret prefix)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.models import ApiKey


async def add_key(session: AsyncSession, key: ApiKey) -> None:
    session.add(key)
    await session.flush()


async def keys(session: AsyncSession, *, organisation_id: uuid.UUID | None) -> list[ApiKey]:
    """Every key, or one organisation's, oldest first."""
    query = select(ApiKey).order_by(ApiKey.created_at)
    if organisation_id is not None:
        query = query.where(ApiKey.organisation_id == organisation_id)
    return list((await session.execute(query)).scalars())


async def key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    found: ApiKey | None = (
        await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
    ).scalar_one_or_none()
    return found
