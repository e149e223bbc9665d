"""The collaborative's report for a cohort (JSON, PDF, its charts as SVG or PNG) and every team's
period values as CSV: the programme team's (coordinators)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.measurement import export, report, report_pdf, schemas
from services.measurement.analytics import PNG_MEDIA_TYPE, SVG_MEDIA_TYPE
from services.measurement.api.readers import MeasureKeyPath, Settings
from services.measurement.charts import Picture
from shared.auth import Coordinator
from shared.clock import Clock
from shared.db import ReadSession
from shared.errors import problem_responses

router = APIRouter(
    prefix="/cohorts/{cohort_id}", tags=["report"], responses=problem_responses(403, 404, 422)
)
ReportParams = Annotated[schemas.ReportQuery, Query()]
MEDIA_TYPES = {"svg": SVG_MEDIA_TYPE, "png": PNG_MEDIA_TYPE}


async def _report(
    session: ReadSession,
    user: Coordinator,
    cohort_id: uuid.UUID,
    params: schemas.ReportQuery,
    clock: Clock,
    settings: Settings,
    measure_keys: list[str] | None = None,
) -> report.CohortReport:
    return await report.cohort_report(
        session,
        user=user,
        cohort_id=cohort_id,
        request=params.request(),
        now=clock.now(),
        small_number_threshold=settings.small_number_threshold,
        months_before_start=settings.baseline_months_before_start,
        measure_keys=measure_keys,
    )


@router.get(
    "/report",
    response_model=schemas.ReportOut,
    summary="The collaborative's report: per measure the change from baseline, team verdicts "
    "and data submission",
)
async def cohort_report(
    cohort_id: uuid.UUID,
    session: ReadSession,
    user: Coordinator,
    params: ReportParams,
    clock: Clock,
    settings: Settings,
) -> Response:
    found = await _report(session, user, cohort_id, params, clock, settings)
    body = schemas.ReportOut.of(found).model_dump_json(by_alias=True)
    return Response(body, media_type="application/json")


@router.get(
    "/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The report as PDF"}},
    summary="The collaborative's report as a PDF",
)
async def cohort_report_pdf(
    cohort_id: uuid.UUID,
    session: ReadSession,
    user: Coordinator,
    params: ReportParams,
    clock: Clock,
    settings: Settings,
) -> Response:
    found = await _report(session, user, cohort_id, params, clock, settings)
    document = await report_pdf.report_document(found)
    disposition = f'inline; filename="collaborative-report-{found.last}.pdf"'
    return Response(
        document, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


_PICTURES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {SVG_MEDIA_TYPE: {}, PNG_MEDIA_TYPE: {}},
        "description": "The chart drawn as SVG or PNG",
    }
}


@router.get(
    "/report/{measure_key}/teams.{picture}",
    response_class=Response,
    responses=_PICTURES,
    summary="Every team's chart of a measure on one page (small multiples), as SVG or PNG",
)
async def report_team_charts(
    cohort_id: uuid.UUID,
    measure_key: MeasureKeyPath,
    picture: Picture,
    session: ReadSession,
    user: Coordinator,
    params: ReportParams,
    clock: Clock,
    settings: Settings,
) -> Response:
    found = await _report(session, user, cohort_id, params, clock, settings, [measure_key])
    body = await report.report_picture(found, measure_key=measure_key, picture=picture, teams=True)
    return Response(body, media_type=MEDIA_TYPES[picture])


@router.get(
    "/report/{measure_key}.{picture}",
    response_class=Response,
    responses=_PICTURES,
    summary="The report's aggregate chart of a measure (parts at the baseline's end), as SVG or "
    "PNG",
)
async def report_chart(
    cohort_id: uuid.UUID,
    measure_key: MeasureKeyPath,
    picture: Picture,
    session: ReadSession,
    user: Coordinator,
    params: ReportParams,
    clock: Clock,
    settings: Settings,
) -> Response:
    found = await _report(session, user, cohort_id, params, clock, settings, [measure_key])
    body = await report.report_picture(found, measure_key=measure_key, picture=picture, teams=False)
    return Response(body, media_type=MEDIA_TYPES[picture])


@router.get(
    "/export.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}},
            "description": "One row per team, measure and period with data",
        }
    },
    summary="Every team's period values of every planned measure, as CSV",
)
async def cohort_export(
    cohort_id: uuid.UUID,
    session: ReadSession,
    user: Coordinator,
    params: ReportParams,
    clock: Clock,
    settings: Settings,
) -> Response:
    text = await export.cohort_export(
        session,
        user=user,
        cohort_id=cohort_id,
        request=params.request(),
        now=clock.now(),
        small_number_threshold=settings.small_number_threshold,
        months_before_start=settings.baseline_months_before_start,
    )
    disposition = f'attachment; filename="cohort-{cohort_id}-period-values.csv"'
    return Response(
        text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition}
    )
