"""Measures and their versioned definitions, and each cohort's measurement plan."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.measurement import plan, schemas
from services.measurement.api.readers import MeasureKeyPath, Reader
from services.measurement.measures import MeasureDefinition, MeasureSpec
from shared.auth import Coordinator
from shared.clock import Clock
from shared.db import Session
from shared.errors import problem_responses

measures = APIRouter(prefix="/measures", tags=["measures"])
plans = APIRouter(
    prefix="/cohorts/{cohort_id}/plan", tags=["measures"], responses=problem_responses(404)
)


@measures.get("", response_model=list[MeasureDefinition])
async def list_measures(session: Session, _user: Reader, clock: Clock) -> list[MeasureDefinition]:
    return await plan.list_measures(session, now=clock.now())


@measures.put(
    "/{key}",
    response_model=schemas.MeasureSaved,
    responses=problem_responses(422),
    summary="Define a measure, or add a version of its definition",
)
async def define_measure(
    key: MeasureKeyPath, spec: MeasureSpec, session: Session, user: Coordinator, clock: Clock
) -> schemas.MeasureSaved:
    saved = await plan.define_measure(session, key=key, spec=spec, by=user.subject, now=clock.now())
    return schemas.MeasureSaved.model_validate(saved)


@measures.get(
    "/{key}/versions", response_model=list[MeasureDefinition], responses=problem_responses(404)
)
async def measure_versions(
    key: MeasureKeyPath, session: Session, _user: Reader
) -> list[MeasureDefinition]:
    return await plan.measure_versions(session, key=key)


@plans.get("", response_model=schemas.PlanOut)
async def cohort_plan(cohort_id: uuid.UUID, session: Session, _user: Reader) -> schemas.PlanOut:
    return schemas.PlanOut.model_validate(await plan.cohort_plan(session, cohort_id=cohort_id))


@plans.put("/{key}", response_model=schemas.PlanOut)
async def add_to_plan(
    cohort_id: uuid.UUID, key: MeasureKeyPath, session: Session, _user: Coordinator, clock: Clock
) -> schemas.PlanOut:
    planned = await plan.add_to_plan(session, cohort_id=cohort_id, key=key, now=clock.now())
    return schemas.PlanOut.model_validate(planned)


@plans.delete("/{key}", response_model=schemas.PlanOut)
async def remove_from_plan(
    cohort_id: uuid.UUID, key: MeasureKeyPath, session: Session, _user: Coordinator
) -> schemas.PlanOut:
    planned = await plan.remove_from_plan(session, cohort_id=cohort_id, key=key)
    return schemas.PlanOut.model_validate(planned)


@plans.put(
    "/{key}/target",
    response_model=schemas.TargetOut,
    summary="Set or clear the cohort's target for a planned measure (shown on its charts)",
)
async def set_target(
    cohort_id: uuid.UUID,
    key: MeasureKeyPath,
    data: schemas.TargetIn,
    session: Session,
    _user: Coordinator,
) -> schemas.TargetOut:
    entry = await plan.set_target(session, cohort_id=cohort_id, key=key, target=data.target)
    return schemas.TargetOut.model_validate(entry)
