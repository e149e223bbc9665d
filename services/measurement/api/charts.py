"""QI charts: a team's chart of a measure and the notes on it, and the collaborative chart of a
cohort; as JSON, or drawn as SVG or PNG."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from services.measurement import aggregate, charts, schemas
from services.measurement.analytics import PNG_MEDIA_TYPE, SVG_MEDIA_TYPE
from services.measurement.api.readers import AskedChart, ChartReader, MeasureKeyPath, Reader
from shared.clock import Clock
from shared.db import ReadSession, Session
from shared.errors import problem_responses

team_charts = APIRouter(
    prefix="/teams/{team_id}/charts", tags=["charts"], responses=problem_responses(403, 404)
)
cohort_charts = APIRouter(
    prefix="/cohorts/{cohort_id}/charts", tags=["charts"], responses=problem_responses(403, 404)
)

MEDIA_TYPES = {"svg": SVG_MEDIA_TYPE, "png": PNG_MEDIA_TYPE}
PICTURE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {SVG_MEDIA_TYPE: {}, PNG_MEDIA_TYPE: {}},
        "description": "The chart drawn as SVG or PNG",
    },
    **problem_responses(422),
}


def picture_answer(body: bytes, picture: charts.Picture) -> Response:
    return Response(body, media_type=MEDIA_TYPES[picture])


# Picture routes come before the JSON ones: "{measure_key}" alone would also match "x.svg".
@team_charts.get(
    "/{measure_key}.{picture}",
    response_class=Response,
    responses=PICTURE_RESPONSES,
    summary="A team's chart of a measure drawn as SVG or PNG",
)
async def team_chart_picture(
    team_id: uuid.UUID,
    measure_key: MeasureKeyPath,
    picture: charts.Picture,
    session: ReadSession,
    asked: AskedChart,
) -> Response:
    body = await charts.team_chart_picture(
        session, reading=asked, team_id=team_id, measure_key=measure_key, picture=picture
    )
    return picture_answer(body, picture)


@team_charts.get(
    "/{measure_key}",
    response_model=schemas.TeamChartOut,
    responses=problem_responses(422),
    summary="A team's run or control chart of a measure, with its signals and summary",
)
async def team_chart(
    team_id: uuid.UUID, measure_key: MeasureKeyPath, session: ReadSession, asked: AskedChart
) -> Response:
    body = await charts.team_chart_json(
        session,
        reading=asked,
        team_id=team_id,
        measure_key=measure_key,
        encode=schemas.team_chart_json,
    )
    return Response(body, media_type="application/json")


@team_charts.post(
    "/{measure_key}/annotations",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AnnotationOut,
    responses=problem_responses(422),
    summary="Attach a note to a period of a team's measure (shown on its charts)",
)
async def annotate(
    team_id: uuid.UUID,
    measure_key: MeasureKeyPath,
    data: schemas.AnnotationIn,
    session: Session,
    user: Reader,
    clock: Clock,
) -> schemas.AnnotationOut:
    row = await charts.annotate(
        session,
        user=user,
        team_id=team_id,
        measure_key=measure_key,
        day=data.day,
        note=data.note,
        now=clock.now(),
    )
    return schemas.AnnotationOut.model_validate(row)


@team_charts.get("/{measure_key}/annotations", response_model=list[schemas.AnnotationOut])
async def list_annotations(
    team_id: uuid.UUID, measure_key: MeasureKeyPath, session: Session, user: ChartReader
) -> list[schemas.AnnotationOut]:
    rows = await charts.list_annotations(
        session, user=user, team_id=team_id, measure_key=measure_key
    )
    return [schemas.AnnotationOut.model_validate(row) for row in rows]


@cohort_charts.get(
    "/{measure_key}.{picture}",
    response_class=Response,
    responses=PICTURE_RESPONSES,
    summary="The collaborative chart of a measure drawn as SVG or PNG",
)
async def cohort_chart_picture(
    cohort_id: uuid.UUID,
    measure_key: MeasureKeyPath,
    picture: charts.Picture,
    session: ReadSession,
    asked: AskedChart,
) -> Response:
    body = await aggregate.cohort_chart_picture(
        session, reading=asked, cohort_id=cohort_id, measure_key=measure_key, picture=picture
    )
    return picture_answer(body, picture)


@cohort_charts.get(
    "/{measure_key}",
    response_model=schemas.CohortChartOut,
    responses=problem_responses(422),
    summary="The collaborative chart of a measure (pooled across teams) with its summary",
)
async def cohort_chart(
    cohort_id: uuid.UUID, measure_key: MeasureKeyPath, session: ReadSession, asked: AskedChart
) -> Response:
    answer = await aggregate.cohort_chart(
        session, reading=asked, cohort_id=cohort_id, measure_key=measure_key
    )
    body = schemas.CohortChartOut.of(answer).model_dump_json(by_alias=True)
    return Response(body, media_type="application/json")
