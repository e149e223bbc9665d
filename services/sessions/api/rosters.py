"""A cohort's roster of teams and their coaches."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.sessions import rosters, schemas
from services.sessions.api.deps import IncludeWithdrawn, Reader
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(tags=["rosters"], responses=problem_responses(404))


@router.get("/cohorts/{cohort_id}/roster")
async def cohort_roster(
    cohort_id: uuid.UUID,
    session: Session,
    user: Reader,
    include_withdrawn: IncludeWithdrawn = False,
) -> list[schemas.RosterTeamOut]:
    found = await rosters.roster(
        session, cohort_id=cohort_id, user=user, include_withdrawn=include_withdrawn
    )
    return [schemas.RosterTeamOut.build(entry) for entry in found]
