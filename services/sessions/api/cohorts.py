"""A cohort as this service keeps it, and its default joining details."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.sessions import cohorts, schemas
from services.sessions.api.deps import Reader
from shared.auth import Coordinator
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses

router = APIRouter(
    prefix="/cohorts/{cohort_id}", tags=["cohorts"], responses=problem_responses(404)
)


@router.get("")
async def get_cohort(cohort_id: uuid.UUID, session: ReadSession, user: Reader) -> schemas.CohortOut:
    cohort = await cohorts.get_cohort(session, cohort_id=cohort_id, user=user)
    return schemas.CohortOut.model_validate(cohort)


@router.patch("", responses=problem_responses(409))
async def update_cohort(
    cohort_id: uuid.UUID,
    data: schemas.CohortDefaults,
    session: Session,
    _: Coordinator,
    clock: Clock,
) -> schemas.CohortOut:
    """Set the cohort's default join link and venue (each session may override them)."""
    cohort = await cohorts.update_cohort(session, cohort_id=cohort_id, data=data, now=clock.now())
    return schemas.CohortOut.model_validate(cohort)
