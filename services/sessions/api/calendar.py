"""Calendar feeds and the secret, revocable tokens that open them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from services.sessions import calendar, schemas
from services.sessions.api.deps import Reader
from shared.clock import Clock
from shared.db import Session
from shared.errors import problem_responses

tokens = APIRouter(prefix="/feed-tokens", tags=["calendar"])

FeedToken = Annotated[
    str | None,
    Query(description="The secret feed token (calendar clients cannot send bearer tokens)"),
]
CALENDAR = "text/calendar; charset=utf-8"
_ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An RFC 5545 calendar"}
}
feeds = APIRouter(tags=["calendar"], responses={**_ICS, **problem_responses(404)})


@tokens.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404),
    summary="A secret, revocable link to subscribe to a cohort's or a team's calendar",
)
async def create_feed_token(
    data: schemas.FeedTokenCreate, session: Session, user: Reader, clock: Clock
) -> schemas.FeedTokenCreated:
    token, secret = await calendar.create_feed_token(
        session,
        cohort_id=data.cohort_id,
        team_id=data.team_id,
        label=data.label,
        user=user,
        now=clock.now(),
    )
    return schemas.FeedTokenCreated.build(token, secret)


@tokens.get("")
async def list_feed_tokens(session: Session, user: Reader) -> list[schemas.FeedTokenOut]:
    found = await calendar.list_feed_tokens(session, user=user)
    return [schemas.FeedTokenOut.model_validate(t) for t in found]


@tokens.delete(
    "/{token_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
async def revoke_feed_token(
    token_id: uuid.UUID, session: Session, user: Reader, clock: Clock
) -> Response:
    await calendar.revoke_feed_token(session, token_id=token_id, user=user, now=clock.now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _ics(body: bytes) -> Response:
    return Response(body, media_type=CALENDAR, headers={"Cache-Control": "private, max-age=300"})


@feeds.get(
    "/cohorts/{cohort_id}/calendar.ics",
    response_class=Response,
    summary="The cohort's calendar feed (secret token in the URL; a bad token is 404)",
)
async def cohort_calendar(
    cohort_id: uuid.UUID, session: Session, token: FeedToken = None
) -> Response:
    return _ics(await calendar.cohort_feed(session, cohort_id=cohort_id, token=token))


@feeds.get(
    "/teams/{team_id}/calendar.ics",
    response_class=Response,
    summary="A team's calendar feed (secret token in the URL; a bad token is 404)",
)
async def team_calendar(team_id: uuid.UUID, session: Session, token: FeedToken = None) -> Response:
    return _ics(await calendar.team_feed(session, team_id=team_id, token=token))
