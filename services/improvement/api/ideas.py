"""What matters and the pebbles in the shoe: anonymous ideas, themes, multi-voting."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.improvement import ideas, voting
from services.improvement.api.roles import ProjectPeople
from services.improvement.ideas import IdeaKind
from services.improvement.schemas import ideas as schemas
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

router = APIRouter(tags=["what matters"], responses=problem_responses(404))


@router.get("/teams/{team_id}/themes", response_model=list[schemas.ThemeOut])
async def list_themes(
    team_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> list[schemas.ThemeOut]:
    found = await ideas.list_themes(session, user=user, team_id=team_id)
    return [schemas.ThemeOut.model_validate(t) for t in found]


@router.post(
    "/teams/{team_id}/themes",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ThemeOut,
    responses=problem_responses(409),
)
async def add_theme(
    team_id: uuid.UUID, data: schemas.ThemeIn, session: Session, user: ProjectPeople
) -> schemas.ThemeOut:
    theme = await ideas.add_theme(session, user=user, team_id=team_id, data=data)
    return schemas.ThemeOut.model_validate(theme)


@router.get("/teams/{team_id}/ideas", response_model=list[schemas.IdeaOut])
async def list_ideas(
    team_id: uuid.UUID,
    session: ReadSession,
    user: ProjectPeople,
    kind: Annotated[IdeaKind | None, Query(description="Only this kind")] = None,
) -> list[schemas.IdeaOut]:
    found = await ideas.list_ideas(session, user=user, team_id=team_id, kind=kind)
    return [schemas.idea_out(i) for i in found]


@router.post(
    "/teams/{team_id}/ideas",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.IdeaOut,
    responses=problem_responses(409),
    summary="Record what matters to staff or an impediment, anonymously (no names)",
)
async def add_idea(
    team_id: uuid.UUID, data: schemas.IdeaIn, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.IdeaOut:
    idea = await ideas.add_idea(session, user=user, team_id=team_id, data=data, now=clock.now())
    return schemas.idea_out(idea)


@router.patch(
    "/ideas/{idea_id}",
    response_model=schemas.IdeaOut,
    responses=problem_responses(409),
    summary="Group it under a theme; show back what was done ('you said, we did')",
)
async def update_idea(
    idea_id: uuid.UUID, data: schemas.IdeaUpdate, session: Session, user: ProjectPeople
) -> schemas.IdeaOut:
    return schemas.idea_out(await ideas.update_idea(session, user=user, idea_id=idea_id, data=data))


@router.get("/teams/{team_id}/voting-rounds", response_model=list[schemas.RoundSummaryOut])
async def list_rounds(
    team_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> list[schemas.RoundSummaryOut]:
    found = await voting.list_rounds(session, user=user, team_id=team_id)
    return [schemas.round_summary_out(r) for r in found]


@router.post(
    "/teams/{team_id}/voting-rounds",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.OpenedRoundOut,
    responses=problem_responses(409),
    summary="Open a multi-voting round: one one-time ballot code per voter, shown only here",
)
async def open_round(
    team_id: uuid.UUID, data: schemas.RoundIn, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.OpenedRoundOut:
    opened = await voting.open_round(
        session, user=user, team_id=team_id, data=data, now=clock.now()
    )
    return schemas.opened_round_out(opened)


@router.get(
    "/voting-rounds/{round_id}",
    response_model=schemas.RoundOut,
    summary="A round: its ideas, ballots cast, and (once closed) votes and ranks",
)
async def get_round(
    round_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> schemas.RoundOut:
    return schemas.round_out(await voting.round_view(session, user=user, round_id=round_id))


@router.post(
    "/voting-rounds/{round_id}/ballots",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.RoundSummaryOut,
    responses=problem_responses(409),
    summary="Cast one voter's whole ballot with their one-time code (no identity kept)",
)
async def cast_ballot(
    round_id: uuid.UUID,
    data: schemas.BallotIn,
    session: Session,
    user: ProjectPeople,
    clock: Clock,
) -> schemas.RoundSummaryOut:
    view = await voting.cast_ballot(
        session, user=user, round_id=round_id, data=data, now=clock.now()
    )
    return schemas.round_summary_out(view.round)


@router.post(
    "/voting-rounds/{round_id}/close",
    response_model=schemas.RoundOut,
    responses=problem_responses(409),
    summary="Close the round (no more ballots) and show its results",
)
async def close_round(
    round_id: uuid.UUID, session: Session, user: ProjectPeople, clock: Clock
) -> schemas.RoundOut:
    view = await voting.close_round(session, user=user, round_id=round_id, now=clock.now())
    return schemas.round_out(view)


limit_writes(router, WRITES)
