"""Calendar feeds of a cohort's or a team's sessions, and the secret tokens that open them.

Calendar clients cannot send a bearer token, so a feed is opened by a secret token in its URL:
whoever may read a cohort or a team creates one for its feed, sees it once, and may revoke it.
Only the token's SHA-256 is stored. A missing, wrong, revoked or other feed's token answers 404
(never 401 or 403), so a feed's existence is not given away.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.models import Cohort, FeedToken, Place, ProgrammeSession
from services.sessions.rules.calendar import FeedSession, build_feed, for_team
from services.sessions.rules.modes import shown_join_url, shown_venue
from services.sessions.store import feeds as store
from services.sessions.store.access import readable_cohort, readable_team
from services.sessions.store.places import team_places
from services.sessions.store.programme import cohort_sessions, get_cohort
from services.sessions.store.rosters import get_team
from shared.auth import Principal
from shared.errors import NotFound

FEED_TOKEN_PREFIX = "ewcal_"  # noqa: S105 (a prefix, not a secret)
NO_FEED = "no such calendar feed"


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_path(token: FeedToken, secret: str) -> str:
    target = token.cohort_id if token.scope == "cohort" else token.team_id
    kind = "cohorts" if token.scope == "cohort" else "teams"
    return f"/api/sessions/{kind}/{target}/calendar.ics?token={secret}"


async def create_feed_token(
    session: AsyncSession,
    *,
    cohort_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
    label: str | None,
    user: Principal,
    now: datetime,
) -> tuple[FeedToken, str]:
    """A new secret token for a team's feed (or else a cohort's); the secret is returned once."""
    if team_id is not None:
        team = await readable_team(session, user, team_id)
        scope, target_cohort, target_team = "team", team.cohort_id, team.team_id
    else:
        assert cohort_id is not None
        cohort = await readable_cohort(session, user, cohort_id)
        scope, target_cohort, target_team = "cohort", cohort.id, None
    secret = f"{FEED_TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    token = FeedToken(
        id=uuid.uuid4(),
        token_hash=hash_feed_token(secret),
        scope=scope,
        cohort_id=target_cohort,
        team_id=target_team,
        label=label,
        created_by=user.subject,
        created_at=now,
    )
    session.add(token)
    await session.flush()
    return token, secret


async def list_feed_tokens(session: AsyncSession, *, user: Principal) -> Sequence[FeedToken]:
    return await store.list_tokens(session, user)


async def revoke_feed_token(
    session: AsyncSession, *, token_id: uuid.UUID, user: Principal, now: datetime
) -> FeedToken:
    token = await store.lock_readable_token(session, user, token_id)
    if token is None:
        raise NotFound("no such feed token")
    if token.revoked_at is None:
        token.revoked_at = now
    return token


async def _check_token(
    session: AsyncSession, *, token: str | None, scope: str, target_id: uuid.UUID
) -> None:
    """The token must be live and for exactly this feed; anything else is "not found"."""
    if not token or not token.startswith(FEED_TOKEN_PREFIX) or len(token) > 200:
        raise NotFound(NO_FEED)
    row = await store.token_by_hash(session, hash_feed_token(token))
    if row is None or row.revoked_at is not None or row.scope != scope:
        raise NotFound(NO_FEED)
    if (row.cohort_id if scope == "cohort" else row.team_id) != target_id:
        raise NotFound(NO_FEED)


def _feed_session(row: ProgrammeSession, cohort: Cohort, place: Place | None = None) -> FeedSession:
    """A session as a feed shows it, with the team's own places noted when it has some."""
    note = None
    if place is not None:
        note = (
            f"Your team has {place.places} place(s)."
            if place.status == "confirmed"
            else f"Your team is on the waiting list for {place.places} place(s)."
        )
    notes = "\n".join(n for n in (row.notes, note) if n) or None
    if row.status == "cancelled" and row.cancel_reason:
        notes = "\n".join(n for n in (f"Cancelled: {row.cancel_reason}", notes) if n)
    stored = {f.name: getattr(row, f.name) for f in fields(FeedSession) if hasattr(row, f.name)}
    shown = {"join_url": shown_join_url(row, cohort), "venue": shown_venue(row, cohort)}
    return FeedSession(**{**stored, **shown, "notes": notes})


async def cohort_feed(session: AsyncSession, *, cohort_id: uuid.UUID, token: str | None) -> bytes:
    await _check_token(session, token=token, scope="cohort", target_id=cohort_id)
    cohort = await get_cohort(session, cohort_id)
    if cohort is None:
        raise NotFound(NO_FEED)
    rows = await cohort_sessions(session, cohort_id)
    return build_feed(name=cohort.name, sessions=[_feed_session(r, cohort) for r in rows])


async def team_feed(session: AsyncSession, *, team_id: uuid.UUID, token: str | None) -> bytes:
    """The team's cohort programme, with its places on the sessions; after a withdrawal the
    sessions after the withdrawal day are cancelled for the team (``rules.calendar.for_team``)."""
    await _check_token(session, token=token, scope="team", target_id=team_id)
    team = await get_team(session, team_id)
    cohort = await get_cohort(session, team.cohort_id) if team is not None else None
    if team is None or cohort is None:
        raise NotFound(NO_FEED)
    rows = await cohort_sessions(session, team.cohort_id)
    places = {p.session_id: p for p in await team_places(session, team_id)}
    sessions = [
        for_team(
            _feed_session(row, cohort, places.get(row.id)),
            revision=team.feed_revision,
            changed_at=team.feed_changed_at,
            withdrawn_on=team.withdrawn_on,
        )
        for row in rows
    ]
    return build_feed(name=f"{team.team_name} ({cohort.name})", sessions=sessions)
