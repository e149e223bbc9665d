"""Batches: posted by trust systems with their organisation's API key, or uploaded by a team's
project lead (or a coordinator) for one team from the web console. The routes read the raw body
themselves (JSON or CSV, up to 10 MB and 10,000 rows): it is parsed once, by the ingestion use
case, which both share (the same checks, the same row-level answers)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from services.measurement import ingestion, schemas
from services.measurement.api.readers import Settings, Uploader
from services.measurement.rows import BatchKind
from shared.auth import CurrentUser
from shared.clock import Clock
from shared.errors import problem_responses
from shared.ratelimit import INGESTION

router = APIRouter(
    tags=["ingestion"],
    dependencies=[Depends(INGESTION)],
    responses={**problem_responses(400, 401, 403, 409, 413, 415, 422), **INGESTION.responses},
)
# People's uploads live under their own prefix, which carries the batch body limit (10 MB).
UPLOADS = "/uploads/teams/{team_id}"


async def _ingest(
    request: Request,
    sender: ingestion.Sender,
    kind: BatchKind,
    clock: Clock,
    settings: Settings,
) -> Response:
    ingested = await ingestion.ingest_batch(
        request.app.state.database,
        sender=sender,
        kind=kind,
        body=await request.body(),
        content_type=request.headers.get("content-type", ""),
        idempotency_key=request.headers.get("idempotency-key"),
        now=clock.now(),
        months_before_start=settings.baseline_months_before_start,
    )
    headers = {"Idempotent-Replayed": "true"} if ingested.replayed else None
    return JSONResponse(ingested.answer, status_code=ingested.status, headers=headers)


@router.post(
    "/responses",
    response_model=schemas.BatchOut,
    openapi_extra=schemas.batch_request_body("responses"),
    summary="Post a batch of anonymous individual survey responses (JSON or CSV)",
)
async def post_responses(
    request: Request, user: CurrentUser, clock: Clock, settings: Settings
) -> Response:
    return await _ingest(request, ingestion.trust_system(user), "responses", clock, settings)


@router.post(
    "/values",
    response_model=schemas.BatchOut,
    openapi_extra=schemas.batch_request_body("values"),
    summary="Post a batch of aggregated values: counts, numerators/denominators, period values "
    "(JSON or CSV)",
)
async def post_values(
    request: Request, user: CurrentUser, clock: Clock, settings: Settings
) -> Response:
    return await _ingest(request, ingestion.trust_system(user), "values", clock, settings)


@router.post(
    f"{UPLOADS}/responses",
    response_model=schemas.BatchOut,
    openapi_extra=schemas.batch_request_body("responses", upload=True),
    responses=problem_responses(404),
    summary="Upload one team's anonymous survey responses as CSV (its project lead, or a "
    "coordinator)",
)
async def upload_responses(
    team_id: uuid.UUID, request: Request, user: Uploader, clock: Clock, settings: Settings
) -> Response:
    sender = await ingestion.uploader(request.app.state.database, user=user, team_id=team_id)
    return await _ingest(request, sender, "responses", clock, settings)


@router.post(
    f"{UPLOADS}/values",
    response_model=schemas.BatchOut,
    openapi_extra=schemas.batch_request_body("values", upload=True),
    responses=problem_responses(404),
    summary="Upload one team's period values as CSV (its project lead, or a coordinator)",
)
async def upload_values(
    team_id: uuid.UUID, request: Request, user: Uploader, clock: Clock, settings: Settings
) -> Response:
    sender = await ingestion.uploader(request.app.state.database, user=user, team_id=team_id)
    return await _ingest(request, sender, "values", clock, settings)
