"""Batch posts from trust systems. The routes read the raw body themselves (JSON or CSV, up to
10 MB and 10,000 rows): it is parsed once, by the ingestion use case."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from services.measurement import ingestion, schemas
from services.measurement.rows import BatchKind
from shared.auth import CurrentUser, Principal
from shared.clock import Clock
from shared.errors import problem_responses
from shared.ratelimit import INGESTION

router = APIRouter(
    tags=["ingestion"],
    dependencies=[Depends(INGESTION)],
    responses={**problem_responses(400, 401, 403, 409, 413, 415, 422), **INGESTION.responses},
)


async def _ingest(request: Request, user: Principal, kind: BatchKind, clock: Clock) -> Response:
    ingested = await ingestion.ingest_batch(
        request.app.state.database,
        principal=user,
        kind=kind,
        body=await request.body(),
        content_type=request.headers.get("content-type", ""),
        idempotency_key=request.headers.get("idempotency-key"),
        now=clock.now(),
    )
    headers = {"Idempotent-Replayed": "true"} if ingested.replayed else None
    return JSONResponse(ingested.answer, status_code=ingested.status, headers=headers)


@router.post(
    "/responses",
    response_model=schemas.BatchOut,
    openapi_extra=schemas.batch_request_body("responses"),
    summary="Post a batch of anonymous individual survey responses (JSON or CSV)",
)
async def post_responses(request: Request, user: CurrentUser, clock: Clock) -> Response:
    return await _ingest(request, user, "responses", clock)


@router.post(
    "/values",
    response_model=schemas.BatchOut,
    openapi_extra=schemas.batch_request_body("values"),
    summary="Post a batch of aggregated values: counts, numerators/denominators (JSON or CSV)",
)
async def post_values(request: Request, user: CurrentUser, clock: Clock) -> Response:
    return await _ingest(request, user, "values", clock)
