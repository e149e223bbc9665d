"""Teams' engagement: attendance so far and runs of missed learning sets."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.sessions import attendance, schemas
from services.sessions.api.deps import IncludeWithdrawn, Reader
from shared.clock import Clock
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(tags=["engagement"], responses=problem_responses(404))


@router.get("/teams/{team_id}/engagement")
async def team_engagement(
    team_id: uuid.UUID, session: Session, user: Reader, clock: Clock
) -> schemas.EngagementOut:
    found = await attendance.team_engagement(session, team_id=team_id, user=user, now=clock.now())
    return schemas.EngagementOut.build(found)


@router.get("/cohorts/{cohort_id}/engagement")
async def cohort_engagement(
    cohort_id: uuid.UUID,
    session: Session,
    user: Reader,
    clock: Clock,
    include_withdrawn: IncludeWithdrawn = False,
) -> list[schemas.EngagementOut]:
    found = await attendance.cohort_engagement(
        session,
        cohort_id=cohort_id,
        user=user,
        include_withdrawn=include_withdrawn,
        now=clock.now(),
    )
    return [schemas.EngagementOut.build(e) for e in found]
