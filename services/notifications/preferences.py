"""What a person turns off: non-essential kinds only (reminders and alerts), from the console or
from a signed unsubscribe link without signing in. A suppressed message still reaches the feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import store
from services.notifications.feed import address_of, required_address
from services.notifications.problems import BAD_UNSUBSCRIBE_TOKEN, ESSENTIAL_KIND
from services.notifications.rendering import read_unsubscribe_token
from services.notifications.rules import OPTIONAL, Kind, is_essential
from shared.auth import Principal
from shared.errors import NotFound, Unprocessable


async def my_preferences(session: AsyncSession, *, user: Principal) -> dict[str, bool]:
    address = address_of(user)
    chosen = {} if address is None else await store.preferences(session, address)
    return {kind.value: chosen.get(kind.value, True) for kind in sorted(OPTIONAL)}


async def change_preferences(
    session: AsyncSession, *, user: Principal, changes: dict[Kind, bool], now: datetime
) -> dict[str, bool]:
    address = required_address(user)
    refused = sorted(kind.value for kind in changes if is_essential(kind))
    if refused:
        raise Unprocessable(
            f"these messages cannot be turned off: {', '.join(refused)}",
            type=ESSENTIAL_KIND,
            errors=[{"field": kind, "message": "essential"} for kind in refused],
        )
    for kind, enabled in changes.items():
        await store.set_preference(
            session, recipient=address, kind=kind.value, enabled=enabled, now=now
        )
    return await my_preferences(session, user=user)


def unsubscribe_target(secret: str, token: str) -> tuple[str, Kind]:
    found = read_unsubscribe_token(secret, token)
    if found is None:
        raise NotFound("no such unsubscribe link", type=BAD_UNSUBSCRIBE_TOKEN)
    return found


async def unsubscribe(
    session: AsyncSession, *, secret: str, token: str, now: datetime
) -> tuple[str, Kind]:
    recipient, kind = unsubscribe_target(secret, token)
    await store.set_preference(
        session, recipient=recipient, kind=kind.value, enabled=False, now=now
    )
    return recipient, kind
