"""HTTP routes of the notifications service (mounted under /api/notifications): the signed-in
person's feed and preferences, unsubscribe links (no sign-in: the link is signed), a
coordinator's erasure on request, and the operators' view of undeliverable messages. Who may call
what: ``docs/security.md``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from services.notifications import delivery, erasure, feed, preferences
from services.notifications import schemas as out
from services.notifications.models import Delivery, Message
from services.notifications.settings import NotificationsSettings
from shared.app import app_settings
from shared.auth import Principal, Role, require_roles
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses
from shared.ratelimit import PUBLIC_LINKS

# Anyone signed in as a person: the feed is theirs by the address their sign-in carries.
Person = Annotated[
    Principal,
    require_roles(
        Role.coordinator, Role.coach, Role.team_lead, Role.finance, Role.operator, Role.applicant
    ),
]
Coordinator = Annotated[Principal, require_roles(Role.coordinator)]
Operator = Annotated[Principal, require_roles(Role.operator)]
Settings = Annotated[NotificationsSettings, Depends(app_settings)]
Token = Annotated[str, Query(min_length=1, max_length=500, description="The signed link's token")]

me = APIRouter(prefix="/me", tags=["feed"], responses=problem_responses(403))


@me.get("", response_model=out.FeedOut)
async def my_feed(
    session: ReadSession,
    user: Person,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> out.FeedOut:
    """The signed-in person's messages, newest first, and how many are unread."""
    return out.feed_out(await feed.my_feed(session, user=user, limit=limit))


@me.get("/preferences", response_model=out.PreferencesOut)
async def my_preferences(session: ReadSession, user: Person) -> out.PreferencesOut:
    """Each kind the person may turn off, on or off (essential kinds are always on)."""
    return out.PreferencesOut(kinds=await preferences.my_preferences(session, user=user))


@me.put("/preferences", response_model=out.PreferencesOut)
async def change_preferences(
    data: out.PreferencesIn, session: Session, user: Person, clock: Clock
) -> out.PreferencesOut:
    """Turn non-essential kinds on or off; naming an essential kind is 422
    (``notifications/essential-kind``)."""
    kinds = await preferences.change_preferences(
        session, user=user, changes=data.kinds, now=clock.now()
    )
    return out.PreferencesOut(kinds=kinds)


@me.get("/{message_id}", response_model=out.MessageOut, responses=problem_responses(404))
async def my_message(message_id: uuid.UUID, session: ReadSession, user: Person) -> out.MessageOut:
    """One of the person's messages (another person's is 404, as if it did not exist)."""
    return out.message_out(await feed.my_message(session, user=user, message_id=message_id))


@me.post("/read", response_model=out.MarkedOut)
async def mark_all_read(session: Session, user: Person, clock: Clock) -> out.MarkedOut:
    return out.MarkedOut(marked=await feed.mark_all_read(session, user=user, now=clock.now()))


@me.post("/{message_id}/read", response_model=out.MessageOut, responses=problem_responses(404))
async def mark_read(
    message_id: uuid.UUID, session: Session, user: Person, clock: Clock
) -> out.MessageOut:
    message = await feed.mark_read(session, user=user, message_id=message_id, now=clock.now())
    return out.message_out(message)


unsubscribe = APIRouter(
    prefix="/unsubscribe", tags=["unsubscribe"], responses=problem_responses(404)
)


@unsubscribe.get("", response_class=HTMLResponse)
async def unsubscribe_page(token: Token, settings: Settings) -> HTMLResponse:
    """A page asking to confirm (a link checker following the link changes nothing)."""
    _recipient, kind = preferences.unsubscribe_target(settings.jwt_secret, token)
    # No action: the form posts to this very URL, token included.
    return HTMLResponse(
        "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'><title>Unsubscribe"
        f"</title></head><body><form method='post'><p>Stop e-mails of kind "
        f"<strong>{escape(kind.value)}</strong>?</p><button>Unsubscribe</button></form></body></html>"
    )


@unsubscribe.post(
    "",
    response_model=out.UnsubscribedOut,
    dependencies=[Depends(PUBLIC_LINKS)],
    responses=PUBLIC_LINKS.responses,
)
async def unsubscribe_now(
    token: Token, session: Session, settings: Settings, clock: Clock
) -> out.UnsubscribedOut:
    """One-click unsubscribe (RFC 8058): turns the link's kind off for its address."""
    _recipient, kind = await preferences.unsubscribe(
        session, secret=settings.jwt_secret, token=token, now=clock.now()
    )
    return out.UnsubscribedOut(kind=kind, unsubscribed=True)


erasures = APIRouter(prefix="/erasures", tags=["erasure"])


@erasures.post("", response_model=out.ErasureOut)
async def erase_person(data: out.ErasureIn, session: Session, user: Coordinator) -> out.ErasureOut:
    """Erase a person on request: their messages, preferences and contact details here."""
    done = await erasure.erase_person(session, email=str(data.email))
    return out.ErasureOut(messages_deleted=done.messages, contacts_erased=done.contacts)


undeliverable = APIRouter(prefix="/undeliverable", tags=["operations"])


@undeliverable.get("", response_model=list[out.UndeliverableOut])
async def list_undeliverable(
    session: ReadSession, user: Operator, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[out.UndeliverableOut]:
    """Messages refused for good (5xx) or out of attempts: the dead-letter queue of e-mail."""
    rows: Sequence[tuple[Delivery, Message]] = await delivery.undeliverable_messages(
        session, limit=limit
    )
    return out.undeliverable_out(rows)


ROUTERS = [me, unsubscribe, erasures, undeliverable]
