"""HTTP routes of the measurement service (mounted under /api/measurement). Thin: parse, call,
return. Batch posts read the raw body themselves (JSON or CSV, up to 10 MB and 10,000 rows).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement import schemas, service
from services.measurement.analytics import PNG_MEDIA_TYPE, SVG_MEDIA_TYPE
from services.measurement.periods import Period
from services.measurement.plan import MeasureDefinition, MeasureSpec
from services.measurement.rows import BatchKind
from shared.auth import Coordinator, CurrentUser, Principal, Role, require_roles
from shared.db import ReadSession, Session
from shared.errors import Forbidden, Unprocessable, problem_responses
from shared.ratelimit import INGESTION

router = APIRouter()


_CHART_ROLES = frozenset({Role.coordinator, Role.team_lead, Role.coach})


async def _chart_reader(user: CurrentUser) -> Principal:
    """People who follow teams' data (coordinators, team leads, coaches) and trust systems' keys
    (their own organisation's teams, as for series); other roles are refused outright (403)."""
    if not user.is_machine and user.role not in _CHART_ROLES:
        raise Forbidden("your role may not read charts")
    return user


ChartReader = Annotated[Principal, Depends(_chart_reader)]
Annotator = Annotated[Principal, require_roles(Role.coordinator, Role.team_lead, Role.coach)]
ChartParams = Annotated[schemas.ChartQuery, Query()]
MEDIA_TYPES = {"svg": SVG_MEDIA_TYPE, "png": PNG_MEDIA_TYPE}
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


@router.put(
    "/cohorts/{cohort_id}/plan/{key}/target",
    response_model=schemas.TargetOut,
    responses=problem_responses(404),
    tags=["measures"],
    summary="Set or clear the cohort's target for a planned measure (shown on its charts)",
)
async def set_target(
    cohort_id: uuid.UUID,
    key: str,
    data: schemas.TargetIn,
    session: Session,
    _user: Coordinator,
) -> schemas.TargetOut:
    entry = await service.set_target(session, cohort_id=cohort_id, key=key, target=data.target)
    return schemas.TargetOut(cohort_id=cohort_id, measure_key=key, target=entry.target)


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
    dependencies=[Depends(INGESTION)],
    responses={**BATCH_RESPONSES, **INGESTION.responses},
    openapi_extra=schemas.batch_request_body("responses"),
    tags=["ingestion"],
    summary="Post a batch of anonymous individual survey responses (JSON or CSV)",
)
async def post_responses(request: Request, user: CurrentUser) -> Response:
    return await _ingest(request, user, "responses")


@router.post(
    "/values",
    response_model=schemas.BatchOut,
    dependencies=[Depends(INGESTION)],
    responses={**BATCH_RESPONSES, **INGESTION.responses},
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
    responses=problem_responses(403, 404),
    tags=["series"],
    summary="A team's period values of one measure over a date range (Europe/London dates)",
)
async def team_series(
    team_id: uuid.UUID,
    measure_key: str,
    session: ReadSession,
    user: ChartReader,
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
    period: Period | None = None,
) -> Response:
    definition, chosen, points = await service.series(
        session,
        user=user,
        team_id=team_id,
        measure_key=measure_key,
        first=first,
        last=last,
        period=period,
    )
    answer = schemas.SeriesOut(
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
    # Serialised here, once: a read path that charts call often (the model documents it).
    return Response(answer.model_dump_json(by_alias=True), media_type="application/json")


# --- charts -------------------------------------------------------------------------------------

PICTURE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {SVG_MEDIA_TYPE: {}, PNG_MEDIA_TYPE: {}},
        "description": "The chart drawn as SVG or PNG",
    },
    **problem_responses(403, 404, 422),
}


async def _team_chart(
    session: AsyncSession,
    user: Principal,
    team_id: uuid.UUID,
    measure_key: str,
    params: schemas.ChartQuery,
) -> service.TeamChart:
    return await service.team_chart(
        session,
        user=user,
        team_id=team_id,
        measure_key=measure_key,
        request=params.request(),
        first=params.first,
        last=params.last,
        period=params.period,
    )


async def _cohort_chart(
    session: AsyncSession,
    user: Principal,
    cohort_id: uuid.UUID,
    measure_key: str,
    params: schemas.ChartQuery,
) -> service.CohortChart:
    return await service.cohort_chart(
        session,
        user=user,
        cohort_id=cohort_id,
        measure_key=measure_key,
        request=params.request(),
        first=params.first,
        last=params.last,
        period=params.period,
    )


# Picture routes come before the JSON ones: "{measure_key}" alone would also match "x.svg".
@router.get(
    "/teams/{team_id}/charts/{measure_key}.{picture}",
    response_class=Response,
    responses=PICTURE_RESPONSES,
    tags=["charts"],
    summary="A team's chart of a measure drawn as SVG or PNG",
)
async def team_chart_picture(
    team_id: uuid.UUID,
    measure_key: str,
    picture: service.Picture,
    session: ReadSession,
    user: ChartReader,
    params: ChartParams,
) -> Response:
    answer = await _team_chart(session, user, team_id, measure_key, params)
    body = await service.chart_picture(answer.chart, title=answer.title, picture=picture)
    return Response(body, media_type=MEDIA_TYPES[picture])


@router.get(
    "/teams/{team_id}/charts/{measure_key}",
    response_model=schemas.TeamChartOut,
    responses=problem_responses(403, 404, 422),
    tags=["charts"],
    summary="A team's run or control chart of a measure, with its signals and summary",
)
async def team_chart(
    team_id: uuid.UUID,
    measure_key: str,
    session: ReadSession,
    user: ChartReader,
    params: ChartParams,
) -> Response:
    body = await service.team_chart_json(
        session,
        user=user,
        team_id=team_id,
        measure_key=measure_key,
        request=params.request(),
        first=params.first,
        last=params.last,
        period=params.period,
    )
    return Response(body, media_type="application/json")


@router.get(
    "/cohorts/{cohort_id}/charts/{measure_key}.{picture}",
    response_class=Response,
    responses=PICTURE_RESPONSES,
    tags=["charts"],
    summary="The collaborative chart of a measure drawn as SVG or PNG",
)
async def cohort_chart_picture(
    cohort_id: uuid.UUID,
    measure_key: str,
    picture: service.Picture,
    session: ReadSession,
    user: ChartReader,
    params: ChartParams,
) -> Response:
    answer = await _cohort_chart(session, user, cohort_id, measure_key, params)
    body = await service.chart_picture(
        answer.collaborative.chart, title=answer.title, picture=picture
    )
    return Response(body, media_type=MEDIA_TYPES[picture])


@router.get(
    "/cohorts/{cohort_id}/charts/{measure_key}",
    response_model=schemas.CohortChartOut,
    responses=problem_responses(403, 404, 422),
    tags=["charts"],
    summary="The collaborative chart of a measure (pooled across teams) with its summary",
)
async def cohort_chart(
    cohort_id: uuid.UUID,
    measure_key: str,
    session: ReadSession,
    user: ChartReader,
    params: ChartParams,
) -> Response:
    answer = await _cohort_chart(session, user, cohort_id, measure_key, params)
    out = schemas.CohortChartOut(
        cohort_id=cohort_id,
        team_names=answer.team_names,
        chart=answer.collaborative.chart,
        summary=answer.collaborative.summary,
        **service.chart_context(
            answer.definition, period=answer.period, first=answer.first, last=answer.last
        ),
    )
    return Response(out.model_dump_json(by_alias=True), media_type="application/json")


@router.post(
    "/teams/{team_id}/charts/{measure_key}/annotations",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AnnotationOut,
    responses=problem_responses(403, 404, 422),
    tags=["charts"],
    summary="Attach a note to a period of a team's measure (shown on its charts)",
)
async def annotate(
    team_id: uuid.UUID,
    measure_key: str,
    data: schemas.AnnotationIn,
    session: Session,
    user: Annotator,
) -> schemas.AnnotationOut:
    row = await service.annotate(
        session, user=user, team_id=team_id, measure_key=measure_key, day=data.day, note=data.note
    )
    return schemas.AnnotationOut.model_validate(row)


@router.get(
    "/teams/{team_id}/charts/{measure_key}/annotations",
    response_model=list[schemas.AnnotationOut],
    responses=problem_responses(403, 404),
    tags=["charts"],
)
async def list_annotations(
    team_id: uuid.UUID, measure_key: str, session: Session, user: ChartReader
) -> list[schemas.AnnotationOut]:
    rows = await service.list_annotations(
        session, user=user, team_id=team_id, measure_key=measure_key
    )
    return [schemas.AnnotationOut.model_validate(row) for row in rows]
