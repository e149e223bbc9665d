"""IHI progress scores."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path

from services.improvement import progress
from services.improvement.api.roles import ProjectPeople, Scorers
from services.improvement.rules.programme import MONTH_PATTERN
from services.improvement.schemas import progress as schemas
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses
from shared.ratelimit import WRITES, limit_writes

router = APIRouter(tags=["progress scores"])
Month = Annotated[str, Path(pattern=MONTH_PATTERN, description="YYYY-MM, a programme month")]


@router.get(
    "/progress-score-levels",
    response_model=list[schemas.LevelOut],
    summary="The IHI progress score levels, 0.5 to 5, with their definitions",
)
async def score_levels(_user: ProjectPeople) -> list[schemas.LevelOut]:
    return [schemas.level_out(level) for level in progress.score_levels()]


@router.get(
    "/teams/{team_id}/progress-scores",
    response_model=schemas.TeamProgressOut,
    responses=problem_responses(404),
    summary="The team's score for every programme month, with each month's history",
)
async def team_scores(
    team_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> schemas.TeamProgressOut:
    found = await progress.team_progress(session, user=user, team_id=team_id)
    return schemas.team_progress_out(found)


@router.put(
    "/teams/{team_id}/progress-scores/{month}",
    response_model=schemas.MonthScoreOut,
    responses=problem_responses(404, 409),
    summary="Set the team's score for a month (the coach, with the team)",
)
async def set_score(
    team_id: uuid.UUID,
    month: Month,
    data: schemas.ScoreIn,
    session: Session,
    user: Scorers,
    clock: Clock,
) -> schemas.MonthScoreOut:
    found = await progress.set_score(
        session, user=user, team_id=team_id, month=month, data=data, now=clock.now()
    )
    return schemas.month_score_out(found)


@router.get(
    "/cohorts/{cohort_id}/progress-scores",
    response_model=list[schemas.DistributionOut],
    responses=problem_responses(404),
    summary="How many of the cohort's teams are at each level, month by month",
)
async def cohort_scores(
    cohort_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> list[schemas.DistributionOut]:
    found = await progress.cohort_distribution(session, user=user, cohort_id=cohort_id)
    return [schemas.distribution_out(d) for d in found]


limit_writes(router, WRITES)
