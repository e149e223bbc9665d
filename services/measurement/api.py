"""HTTP routes of the measurement service (mounted under /api/measurement). Thin: parse, call,
return. Batch posts read the raw body themselves (JSON or CSV, up to 10 MB and 10,000 rows).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from services.measurement import schemas, service
from services.measurement.periods import Period
from services.measurement.plan import MeasureDefinition, MeasureSpec
from services.measurement.rows import BatchKind
from shared.auth import Coordinator, CurrentUser, Principal, Role, require_roles
from shared.db import Session
from shared.errors import Unprocessable, problem_responses

router = APIRouter()

Reader = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach)]
BATCH_RESPONSES = problem_responses(400, 401, 403, 409, 413, 415, 422)


# --- measures and the plan ----------------------------------------------------------------------


@router.get("/measures", response_model=list[MeasureDefinition], tags=["measures"])
async def list_measures(session: Session, _user: Reader) -> list[MeasureDefinition]:
    return await service.list_measures(session)


@router.put(
    "/measures/{key}",
    response_model=schemas.MeasureSaved,
    responses=problem_responses(422),
    tags=["measures"],
    summary="Define a measure, or add a version of its definition",
)
async def define_measure(
    key: str, spec: MeasureSpec, session: Session, user: Coordinator
) -> schemas.MeasureSaved:
    if spec.key != key:
        raise Unprocessable("the key in the body differs from the key in the path")
    measure, changed = await service.define_measure(session, spec=spec, by=user.subject)
    return schemas.MeasureSaved(measure=measure, changed=changed)


@router.get(
    "/measures/{key}/versions",
    response_model=list[MeasureDefinition],
    responses=problem_responses(404),
    tags=["measures"],
)
async def measure_versions(key: str, session: Session, _user: Reader) -> list[MeasureDefinition]:
    return await service.measure_versions(session, key=key)


@router.get(
    "/cohorts/{cohort_id}/plan",
    response_model=schemas.PlanOut,
    responses=problem_responses(404),
    tags=["measures"],
)
async def cohort_plan(cohort_id: uuid.UUID, session: Session, _user: Reader) -> schemas.PlanOut:
    measures = await service.cohort_plan(session, cohort_id=cohort_id)
    return schemas.PlanOut(cohort_id=cohort_id, measures=measures)


@router.put(
    "/cohorts/{cohort_id}/plan/{key}",
    response_model=schemas.PlanOut,
    responses=problem_responses(404),
    tags=["measures"],
)
async def add_to_plan(
    cohort_id: uuid.UUID, key: str, session: Session, _user: Coordinator
) -> schemas.PlanOut:
    measures = await service.add_to_plan(session, cohort_id=cohort_id, key=key)
    return schemas.PlanOut(cohort_id=cohort_id, measures=measures)


@router.delete(
    "/cohorts/{cohort_id}/plan/{key}",
    response_model=schemas.PlanOut,
    responses=problem_responses(404),
    tags=["measures"],
)
async def remove_from_plan(
    cohort_id: uuid.UUID, key: str, session: Session, _user: Coordinator
) -> schemas.PlanOut:
    measures = await service.remove_from_plan(session, cohort_id=cohort_id, key=key)
    return schemas.PlanOut(cohort_id=cohort_id, measures=measures)


# --- API keys -----------------------------------------------------------------------------------


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ApiKeyCreated,
    tags=["api keys"],
    summary="Create an organisation's API key (the secret is shown in this answer only)",
)
async def create_api_key(
    data: schemas.ApiKeyCreate, session: Session, user: Coordinator
) -> schemas.ApiKeyCreated:
    key, secret = await service.create_api_key(
        session, organisation_id=data.organisation_id, label=data.label, by=user.subject
    )
    return schemas.ApiKeyCreated(
        **schemas.ApiKeyOut.model_validate(key).model_dump(), secret=secret
    )


@router.get("/api-keys", response_model=list[schemas.ApiKeyOut], tags=["api keys"])
async def list_api_keys(
    session: Session, _user: Coordinator, organisation_id: uuid.UUID | None = None
) -> list[schemas.ApiKeyOut]:
    keys = await service.list_api_keys(session, organisation_id=organisation_id)
    return [schemas.ApiKeyOut.model_validate(key) for key in keys]


@router.post(
    "/api-keys/{key_id}/revoke",
    response_model=schemas.ApiKeyOut,
    responses=problem_responses(404),
    tags=["api keys"],
)
async def revoke_api_key(
    key_id: uuid.UUID, session: Session, _user: Coordinator
) -> schemas.ApiKeyOut:
    return schemas.ApiKeyOut.model_validate(await service.revoke_api_key(session, key_id=key_id))


# --- ingestion ----------------------------------------------------------------------------------


async def _ingest(request: Request, user: Principal, kind: BatchKind) -> Response:
    status_code, answer, replayed = await service.ingest_batch(
        request.app.state.database,
        principal=user,
        kind=kind,
        body=await request.body(),
        content_type=request.headers.get("content-type", ""),
        idempotency_key=request.headers.get("idempotency-key"),
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(answer, status_code=status_code, headers=headers)


@router.post(
    "/responses",
    response_model=schemas.BatchOut,
    responses=BATCH_RESPONSES,
    openapi_extra=schemas.batch_request_body("responses"),
    tags=["ingestion"],
    summary="Post a batch of anonymous individual survey responses (JSON or CSV)",
)
async def post_responses(request: Request, user: CurrentUser) -> Response:
    return await _ingest(request, user, "responses")


@router.post(
    "/values",
    response_model=schemas.BatchOut,
    responses=BATCH_RESPONSES,
    openapi_extra=schemas.batch_request_body("values"),
    tags=["ingestion"],
    summary="Post a batch of aggregated values: counts, numerators/denominators (JSON or CSV)",
)
async def post_values(request: Request, user: CurrentUser) -> Response:
    return await _ingest(request, user, "values")


# --- series -------------------------------------------------------------------------------------


@router.get(
    "/teams/{team_id}/series/{measure_key}",
    response_model=schemas.SeriesOut,
    response_model_by_alias=True,
    responses=problem_responses(404),
    tags=["series"],
    summary="A team's period values of one measure over a date range (Europe/London dates)",
)
async def team_series(
    team_id: uuid.UUID,
    measure_key: str,
    session: Session,
    user: CurrentUser,
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
    period: Period | None = None,
) -> schemas.SeriesOut:
    definition, chosen, points = await service.series(
        session,
        user=user,
        team_id=team_id,
        measure_key=measure_key,
        first=first,
        last=last,
        period=period,
    )
    return schemas.SeriesOut(
        team_id=team_id,
        measure_key=measure_key,
        measure_version=definition.version,
        data_kind=definition.data_kind,
        period=chosen,
        first=first,
        last=last,
        points=[
            schemas.SeriesPointOut(**vars(point), ratio=service.point_ratio(point))
            for point in points
        ],
    )
