"""Calendar feed tokens (only their SHA-256 hashes are stored)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.models import FeedToken
from services.sessions.store.access import readable_feed_tokens
from shared.auth import Principal


async def token_by_hash(session: AsyncSession, token_hash: str) -> FeedToken | None:
    token: FeedToken | None = await session.scalar(
        select(FeedToken).where(FeedToken.token_hash == token_hash)
    )
    return token


async def list_tokens(session: AsyncSession, user: Principal) -> Sequence[FeedToken]:
    return (await session.scalars(readable_feed_tokens(user).order_by(FeedToken.created_at))).all()


async def lock_readable_token(
    session: AsyncSession, user: Principal, token_id: uuid.UUID
) -> FeedToken | None:
    token: FeedToken | None = await session.scalar(
        readable_feed_tokens(user).where(FeedToken.id == token_id).with_for_update()
    )
    return token
