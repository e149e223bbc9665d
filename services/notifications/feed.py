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


def address_of(user: Principal) -> str | None:
    """The address whose messages are the caller's; None when their sign-in carries none (they
    then have no messages here)."""
    return normalise_email(user.email) if user.email else None


def required_address(user: Principal) -> str:
    address = address_of(user)
    if address is None:
        raise Forbidden("your sign-in carries no e-mail address", type=NO_EMAIL)
    return address


@dataclass(frozen=True)
class Feed:
    unread: int
    items: Sequence[Message]


async def my_feed(session: AsyncSession, *, user: Principal, limit: int) -> Feed:
    address = address_of(user)
    if address is None:
        return Feed(unread=0, items=[])
    return Feed(
        unread=await store.unread_count(session, address),
        items=await store.feed(session, address, limit=limit),
    )


async def my_message(session: AsyncSession, *, user: Principal, message_id: uuid.UUID) -> Message:
    address = address_of(user)
    message = (
        None if address is None else await store.readable_message(session, address, message_id)
    )
    if message is None:
        raise NotFound("no such message")
    return message


async def mark_read(
    session: AsyncSession, *, user: Principal, message_id: uuid.UUID, now: datetime
) -> Message:
    message = await my_message(session, user=user, message_id=message_id)
    if message.read_at is None:
        message.read_at = now
    return message


async def mark_all_read(session: AsyncSession, *, user: Principal, now: datetime) -> int:
    address = address_of(user)
    return 0 if address is None else await store.mark_all_read(session, address, now)
