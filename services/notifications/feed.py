"""The in-app feed: the signed-in person's messages (matched by the e-mail address their token
carries), newest first, with the unread count; marking read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import store
from services.notifications.models import Message
from services.notifications.problems import NO_EMAIL
from shared.auth import Principal
from shared.erasure import normalise_email
from shared.errors import Forbidden, NotFound


def address_of(user: Principal) -> str:
    if not user.email:
        raise Forbidden("your sign-in carries no e-mail address", type=NO_EMAIL)
    return normalise_email(user.email)


@dataclass(frozen=True)
class Feed:
    unread: int
    items: Sequence[Message]


async def my_feed(session: AsyncSession, *, user: Principal, limit: int) -> Feed:
    address = address_of(user)
    return Feed(
        unread=await store.unread_count(session, address),
        items=await store.feed(session, address, limit=limit),
    )


async def mark_read(
    session: AsyncSession, *, user: Principal, message_id: uuid.UUID, now: datetime
) -> Message:
    message = await store.readable_message(session, address_of(user), message_id)
    if message is None:
        raise NotFound("no such message")
    if message.read_at is None:
        message.read_at = now
    return message


async def mark_all_read(session: AsyncSession, *, user: Principal, now: datetime) -> int:
    return await store.mark_all_read(session, address_of(user), now)
