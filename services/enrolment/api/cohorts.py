"""Cohorts: open, list, read with viability, close, decide (go / no-go), carry forward."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.enrolment import cohorts, decisions, schemas
from services.enrolment.api.dependencies import Now, Reader
from shared.auth import Coordinator
from shared.db import Session
from shared.errors import problem_responses

router = APIRouter(prefix="/cohorts", tags=["cohorts"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CohortOut,
    responses=problem_responses(400),
    summary="Open a cohort (records enrolment.cohort.opened)",
)
async def open_cohort(
    data: cohorts.CohortCreate, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortOut:
    return schemas.cohort_out(await cohorts.open_cohort(session, data=data, now=now))


@router.get("", response_model=list[schemas.CohortOut])
async def list_cohorts(session: Session, _user: Reader, now: Now) -> list[schemas.CohortOut]:
    return [schemas.cohort_out(c) for c in await cohorts.list_cohorts(session, now=now)]


@router.get(
    "/{cohort_id}",
    response_model=schemas.CohortDetail,
    responses=problem_responses(404),
    summary="A cohort with its live viability",
)
async def get_cohort(
    cohort_id: uuid.UUID, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortDetail:
    return schemas.cohort_detail(await cohorts.get_cohort(session, cohort_id=cohort_id, now=now))


@router.post(
    "/{cohort_id}/close",
    response_model=schemas.CohortOut,
    responses=problem_responses(400, 404, 409),
    summary="Close a cohort to expressions of interest (early, or once the deadline passed)",
)
async def close_cohort(
    cohort_id: uuid.UUID, session: Session, _user: Coordinator, now: Now
) -> schemas.CohortOut:
    return schemas.cohort_out(await cohorts.close_cohort(session, cohort_id=cohort_id, now=now))


@router.post(
    "/{cohort_id}/decision",
    response_model=schemas.DecisionOut,
    responses=problem_responses(400, 404, 409),
    summary="Go (confirm every accepted team) or no-go (release every team)",
    description="Go needs accepted teams ≥ the minimum, or an `override_reason`. Taking the same "
    "decision again changes nothing (`changed: false`); reversing it is a 409.",
)
async def decide(
    cohort_id: uuid.UUID,
    data: schemas.DecisionRequest,
    session: Session,
    _user: Coordinator,
    now: Now,
) -> schemas.DecisionOut:
    result = await decisions.decide(
        session,
        cohort_id=cohort_id,
        decision=data.decision,
        override_reason=data.override_reason,
        reason=data.reason,
        now=now,
    )
    return schemas.decision_out(result)


@router.post(
    "/{cohort_id}/carry-forward",
    response_model=schemas.CarryForwardOut,
    responses=problem_responses(400, 404, 409),
    summary="Carry a cancelled cohort's expressions of interest into a later cohort",
)
async def carry_forward(
    cohort_id: uuid.UUID,
    data: schemas.CarryForwardRequest,
    session: Session,
    user: Coordinator,
    now: Now,
) -> schemas.CarryForwardOut:
    result = await decisions.carry_forward(
        session, cohort_id=cohort_id, target_cohort_id=data.target_cohort_id, user=user, now=now
    )
    return schemas.carry_forward_out(result)
