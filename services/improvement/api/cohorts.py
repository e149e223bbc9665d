"""Cohort-wide views: readiness, the plan's measures, the change package, the idea library."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.improvement import diagrams, library, readiness, teams
from services.improvement.api.roles import ProjectPeople
from services.improvement.schemas import diagrams as diagram_schemas
from services.improvement.schemas import library as library_schemas
from services.improvement.schemas import teams as schemas
from shared.db import ReadSession
from shared.errors import problem_responses

router = APIRouter(prefix="/cohorts", tags=["cohorts"], responses=problem_responses(404))


@router.get(
    "/{cohort_id}/readiness",
    response_model=schemas.CohortReadinessOut,
    summary="Readiness of the cohort's teams the caller may see",
)
async def cohort_readiness(
    cohort_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> schemas.CohortReadinessOut:
    found = await readiness.cohort_readiness(session, user=user, cohort_id=cohort_id)
    return schemas.cohort_readiness_out(found)


@router.get(
    "/{cohort_id}/measures",
    response_model=list[schemas.PlanMeasureOut],
    summary="The measures of the cohort's plan (as measurement announced them)",
)
async def plan_measures(
    cohort_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> list[schemas.PlanMeasureOut]:
    found = await teams.plan_measures(session, user=user, cohort_id=cohort_id)
    return [schemas.plan_measure_out(m) for m in found]


@router.get(
    "/{cohort_id}/package",
    response_model=diagram_schemas.DiagramOut,
    summary="The cohort's change package (its shared driver diagram)",
)
async def change_package(
    cohort_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> diagram_schemas.DiagramOut:
    view = await diagrams.package(session, user=user, cohort_id=cohort_id)
    return diagram_schemas.diagram_out(view)


@router.get(
    "/{cohort_id}/library",
    response_model=list[library_schemas.LibraryEntryOut],
    summary="Every change idea tested in the cohort, how teams fared, shared PDSA summaries",
)
async def idea_library(
    cohort_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> list[library_schemas.LibraryEntryOut]:
    found = await library.cohort_library(session, user=user, cohort_id=cohort_id)
    return [library_schemas.library_entry_out(e) for e in found]


@router.get(
    "/{cohort_id}/library/{library_idea_id}", response_model=library_schemas.LibraryEntryOut
)
async def library_idea(
    cohort_id: uuid.UUID, library_idea_id: uuid.UUID, session: ReadSession, user: ProjectPeople
) -> library_schemas.LibraryEntryOut:
    entry = await library.library_entry(
        session, user=user, cohort_id=cohort_id, library_idea_id=library_idea_id
    )
    return library_schemas.library_entry_out(entry)
