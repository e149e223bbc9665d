"""A team's series of a measure."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.measurement import schemas, series
from services.measurement.api.readers import ChartReader, MeasureKeyPath, Settings
from services.measurement.periods import Period
from shared.db import ReadSession
from shared.errors import problem_responses

router = APIRouter(prefix="/teams/{team_id}/series", tags=["series"])


@router.get(
    "/{measure_key}",
    response_model=schemas.SeriesOut,
    response_model_by_alias=True,
    responses=problem_responses(403, 404),
    summary="A team's period values of one measure over a date range (Europe/London dates)",
)
async def team_series(
    team_id: uuid.UUID,
    measure_key: MeasureKeyPath,
    session: ReadSession,
    user: ChartReader,
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
    settings: Settings,
    period: Period | None = None,
) -> Response:
    found = await series.series(
        session,
        user=user,
        team_id=team_id,
        measure_key=measure_key,
        first=first,
        last=last,
        period=period,
        small_number_threshold=settings.small_number_threshold,
    )
    # Serialised here, once: a read path that charts call often (the model documents it).
    body = schemas.SeriesOut.of(found).model_dump_json(by_alias=True)
    return Response(body, media_type="application/json")
